"""Prefetch: use what the client sent, fetch what it did not (CDS Hooks 2.0, "Prefetch
Template" and "FHIR Resource Access").

A key present is used; a key null means the client has no data; a key absent, or holding
an OperationOutcome, is fetched from `fhirServer` with the client's bearer token. When a
required key can be had neither way the service answers 412.
"""

import asyncio
import logging
import re
from collections.abc import Iterable
from typing import Any, Protocol

from radcds_gateway.cds.hooks import HOOK_CONTEXTS, REFERENCE
from radcds_gateway.cds.request import HookRequest
from radcds_gateway.cds.services import PrefetchTemplate

log = logging.getLogger(__name__)
TOKEN = re.compile(r"\{\{\s*([A-Za-z.]+)\s*\}\}")
# "Prefetch tokens identifying the user": the user's id by the type context.userId names.
USER_TOKENS = {
    "userPractitionerId": "Practitioner",
    "userPractitionerRoleId": "PractitionerRole",
    "userPatientId": "Patient",
    "userRelatedPersonId": "RelatedPerson",
}
Resource = dict[str, Any]


class PrefetchUnavailable(Exception):
    """Required data is neither in the prefetch nor obtainable: HTTP 412."""

    def __init__(self, keys: Iterable[str]) -> None:
        self.keys = sorted(keys)
        super().__init__(f"cannot obtain prefetch data: {', '.join(self.keys)}")


class FetchFailed(Exception):
    pass


def token_values(request: HookRequest) -> dict[str, str]:
    """Tokens this request can fill: root-level primitive context fields, user ids."""
    values = {}
    for spec in HOOK_CONTEXTS[request.hook]:
        value = request.context.get(spec.name)
        if spec.token and isinstance(value, str):
            values[f"context.{spec.name}"] = value
    match = REFERENCE.fullmatch(str(request.context.get("userId", "")))
    if match:
        for token, resource_type in USER_TOKENS.items():
            if match.group(1) == resource_type:
                values[token] = match.group(2)
    return values


def fill_template(query: str, values: dict[str, str]) -> str | None:
    """The relative FHIR URL, or None when the request cannot fill a token."""
    missing = [t for t in TOKEN.findall(query) if t not in values]
    if missing:
        return None
    return TOKEN.sub(lambda m: values[m.group(1)], query)


def is_outcome(resource: Resource) -> bool:
    return resource.get("resourceType") == "OperationOutcome"


def flatten(resource: Resource) -> list[Resource]:
    """A read's resource, or a searchset's entries without OperationOutcomes."""
    if resource.get("resourceType") != "Bundle":
        return [] if is_outcome(resource) else [resource]
    found = []
    for entry in resource.get("entry") or []:
        inner = entry.get("resource") if isinstance(entry, dict) else None
        if isinstance(inner, dict) and "resourceType" in inner and not is_outcome(inner):
            found.append(inner)
    return found


def next_page(bundle: Resource) -> str | None:
    for link in bundle.get("link") or []:
        if isinstance(link, dict) and link.get("relation") == "next":
            url = link.get("url")
            return url if isinstance(url, str) else None
    return None


class FhirReader(Protocol):
    async def fetch(self, request: HookRequest, relative_url: str) -> list[Resource]: ...


PrefetchData = dict[str, list[Resource]]


async def resolve_prefetch(
    request: HookRequest,
    templates: dict[str, PrefetchTemplate],
    reader: FhirReader,
    timeout_s: float,
) -> PrefetchData:
    """Every template key's resources; raises PrefetchUnavailable for required gaps."""
    values = token_values(request)
    data: PrefetchData = {}
    to_fetch: dict[str, str] = {}
    for key, template in templates.items():
        if key in request.prefetch and request.prefetch[key] is None:
            data[key] = []
            continue
        sent = request.prefetch.get(key)
        if sent is not None and not is_outcome(sent):
            data[key] = flatten(sent)
            more = _continuation(request, sent)
            if more:
                to_fetch[key] = more
            continue
        url = fill_template(template.query, values)
        if url is None:
            data[key] = []
        else:
            to_fetch[key] = url
    fetched = await _fetch_all(request, templates, to_fetch, reader, timeout_s)
    for key, resources in fetched.items():
        data[key] = data.get(key, []) + resources
    return data


def _continuation(request: HookRequest, sent: Resource) -> str | None:
    """The rest of a prefetch the client paginated ("a CDS Client MAY paginate prefetch
    results"), relative to fhirServer; None when there is none or no way to fetch it."""
    if not request.can_query_fhir or sent.get("resourceType") != "Bundle":
        return None
    link, base = next_page(sent), f"{request.fhir_server}/"
    return link[len(base) :] if link and link.startswith(base) else None


async def _fetch_all(
    request: HookRequest,
    templates: dict[str, PrefetchTemplate],
    to_fetch: dict[str, str],
    reader: FhirReader,
    timeout_s: float,
) -> PrefetchData:
    if not to_fetch:
        return {}
    if not request.can_query_fhir:
        unavailable = [k for k in to_fetch if templates[k].required]
        if unavailable:
            raise PrefetchUnavailable(unavailable)
        return {key: [] for key in to_fetch}
    keys = list(to_fetch)
    fetches = asyncio.gather(
        *(reader.fetch(request, to_fetch[k]) for k in keys), return_exceptions=True
    )
    try:
        results = await asyncio.wait_for(fetches, timeout_s)
    except TimeoutError:
        results = [TimeoutError("prefetch budget spent")] * len(keys)
    data: PrefetchData = {}
    failed = []
    for key, result in zip(keys, results, strict=True):
        if isinstance(result, BaseException):
            if not isinstance(result, Exception):
                raise result
            # Any failure to fetch is data that cannot be had: 412 when required, never 5xx.
            log.warning("prefetch fetch failed", extra={"key": key, "error": type(result).__name__})
            failed.append(key)
            data[key] = []
        else:
            data[key] = result
    unavailable = [k for k in failed if templates[k].required]
    if unavailable:
        raise PrefetchUnavailable(unavailable)
    return data
