"""Bundles built around stored JSON bytes, so that no stored resource is parsed again."""

from typing import Any

import orjson

from radcds_gateway.fhir.search import SearchResult
from radcds_gateway.fhir.stored import StoredResource


def _assemble(header: dict[str, Any], entries: list[bytes]) -> bytes:
    envelope = orjson.dumps(header)
    if not entries:
        return envelope
    return envelope[:-1] + b',"entry":[' + b",".join(entries) + b"]}"


def _entry(base: str, stored: StoredResource, extra: dict[str, Any]) -> bytes:
    head = orjson.dumps({"fullUrl": f"{base}/{stored.reference}", **extra})
    return head[:-1] + b',"resource":' + stored.body + b"}"


def searchset(result: SearchResult, base: str, links: dict[str, str]) -> bytes:
    header: dict[str, Any] = {
        "resourceType": "Bundle",
        "type": "searchset",
        "total": result.total,
        "link": [{"relation": relation, "url": url} for relation, url in links.items()],
    }
    entries = [_entry(base, s, {"search": {"mode": "match"}}) for s in result.matches]
    entries += [_entry(base, s, {"search": {"mode": "include"}}) for s in result.included]
    return _assemble(header, entries)


def history(versions: list[StoredResource], base: str) -> bytes:
    header = {"resourceType": "Bundle", "type": "history", "total": len(versions)}
    entries = []
    for stored in versions:
        method = "DELETE" if stored.deleted else ("POST" if stored.version_id == 1 else "PUT")
        request = {"method": method, "url": stored.reference}
        response = {"status": "410" if stored.deleted else "200", "etag": stored.etag}
        if stored.deleted:
            url = f"{base}/{stored.reference}"
            entries.append(orjson.dumps({"fullUrl": url, "request": request, "response": response}))
        else:
            entries.append(_entry(base, stored, {"request": request, "response": response}))
    return _assemble(header, entries)
