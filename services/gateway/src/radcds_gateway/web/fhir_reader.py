"""Reads the FHIR server the way a SMART app does: over HTTP, with the user's own token, so
the FHIR API's scope and patient-compartment checks apply to every read."""

from typing import Any

import httpx

from radcds_gateway.web.errors import LoginRequired, PageError

Resource = dict[str, Any]
MAX_RESULTS = "200"


class FhirReader:
    def __init__(self, http: httpx.AsyncClient, base_url: str, raw_token: str) -> None:
        self._http = http
        self._base = base_url
        self._headers = {"Authorization": f"Bearer {raw_token}", "Accept": "application/fhir+json"}

    async def read(self, reference: str) -> Resource:
        resource_type, _, resource_id = reference.partition("/")
        if not resource_type.isalpha() or not resource_id or "/" in resource_id:
            raise PageError(400, "A reference in the record is malformed.")
        return await self._get(f"{resource_type}/{resource_id}", None)

    async def search(self, resource_type: str, params: dict[str, str]) -> list[Resource]:
        bundle = await self._get(resource_type, {**params, "_count": MAX_RESULTS})
        return [
            entry["resource"]
            for entry in bundle.get("entry", [])
            if entry.get("search", {}).get("mode", "match") == "match"
        ]

    async def _get(self, path: str, params: dict[str, str] | None) -> Resource:
        try:
            response = await self._http.get(
                f"{self._base}/{path}", params=params, headers=self._headers
            )
        except httpx.TransportError:
            raise PageError(502, "The FHIR server did not answer.") from None
        if response.status_code == 401:
            raise LoginRequired()
        if response.status_code == 403:
            raise PageError(403, "Your sign-in does not cover this part of the record.")
        if response.status_code == 404:
            raise PageError(404, "This part of the record was not found.")
        if response.status_code != 200:
            raise PageError(502, "The FHIR server did not answer.")
        return dict(response.json())
