"""Reads from the CDS client's FHIR server with the bearer token it gave us."""

from typing import Any

import httpx

from radcds_gateway.cds.prefetch import FetchFailed, Resource, flatten, is_outcome, next_page
from radcds_gateway.cds.request import HookRequest


class ClientFhirReader:
    """One prefetch query at a time; the caller runs them in parallel."""

    def __init__(self, http: httpx.AsyncClient, timeout_s: float, max_pages: int) -> None:
        self._http = http
        self._timeout = httpx.Timeout(timeout_s)
        self._max_pages = max_pages

    async def fetch(self, request: HookRequest, relative_url: str) -> list[Resource]:
        if request.fhir_server is None or request.fhir_authorization is None:
            raise FetchFailed("no fhirServer and fhirAuthorization to fetch with")
        base = request.fhir_server
        headers = {
            "Authorization": f"Bearer {request.fhir_authorization.access_token}",
            "Accept": "application/fhir+json",
        }
        url: str | None = f"{base}/{relative_url}"
        found: list[Resource] = []
        for _ in range(self._max_pages):
            if url is None:
                break
            body = await self._get(url, headers)
            if body is None:
                return found
            found.extend(flatten(body))
            url = next_page(body) if body.get("resourceType") == "Bundle" else None
            # The token goes only to the client's own FHIR server.
            if url is not None and not url.startswith(f"{base}/"):
                url = None
        return found

    async def _get(self, url: str, headers: dict[str, str]) -> dict[str, Any] | None:
        """The JSON body; None for a read of a resource that is not there."""
        try:
            response = await self._http.get(url, headers=headers, timeout=self._timeout)
        except (httpx.HTTPError, httpx.InvalidURL) as error:
            raise FetchFailed(type(error).__name__) from None
        if response.status_code in (404, 410) and "?" not in url:
            return None
        if response.status_code != 200:
            raise FetchFailed(f"HTTP {response.status_code}")
        try:
            body = response.json()
        except ValueError:
            raise FetchFailed("not JSON") from None
        if not isinstance(body, dict) or is_outcome(body):
            raise FetchFailed("OperationOutcome or not a resource")
        return body
