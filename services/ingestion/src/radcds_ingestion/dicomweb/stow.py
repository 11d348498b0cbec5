"""STOW-RS (PS3.18 10.5): multipart/related parts streamed to the spool, then stored."""

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from python_multipart.multipart import MultipartParser

from radcds_ingestion.dicomweb.dicom_json import DicomJson, element
from radcds_ingestion.receiver import InstanceReceiver, StoreOutcome
from radcds_ingestion.spool import InstanceSpool


class BadStowRequest(Exception):
    """The request is not a multipart/related body of application/dicom parts."""


@dataclass
class PartWriter:
    """Writes each part of a multipart body to its own incoming spool file."""

    spool: InstanceSpool
    parts: list[Path] = field(default_factory=list)
    _handle: IO[bytes] | None = None

    def begin(self) -> None:
        self._handle, path = self.spool.new_incoming_file()
        self.parts.append(path)

    def data(self, data: bytes, start: int, end: int) -> None:
        assert self._handle is not None
        self._handle.write(data[start:end])

    def end(self) -> None:
        if self._handle is not None:
            self._handle.close()
            self._handle = None


def boundary_of(content_type: str) -> bytes:
    """The boundary of a multipart/related; type="application/dicom" Content-Type."""
    media_type, *parameters = [p.strip() for p in content_type.split(";")]
    values = dict(p.split("=", 1) for p in parameters if "=" in p)
    values = {k.strip().lower(): v.strip().strip('"') for k, v in values.items()}
    if media_type.lower() != "multipart/related" or "boundary" not in values:
        raise BadStowRequest("expected multipart/related with a boundary")
    if values.get("type", "application/dicom").lower() != "application/dicom":
        raise BadStowRequest('only type="application/dicom" is accepted')
    return values["boundary"].encode()


async def receive_parts(
    spool: InstanceSpool, content_type: str, body: AsyncIterator[bytes]
) -> list[Path]:
    writer = PartWriter(spool)
    callbacks: Any = {
        "on_part_begin": writer.begin,
        "on_part_data": writer.data,
        "on_part_end": writer.end,
    }
    parser = MultipartParser(boundary_of(content_type), callbacks)
    try:
        async for chunk in body:
            await asyncio.to_thread(parser.write, chunk)
        parser.finalize()
    except Exception as error:
        writer.end()
        for path in writer.parts:
            spool.discard(path)
        raise BadStowRequest("malformed multipart body") from error
    return writer.parts


async def store_parts(
    receiver: InstanceReceiver, parts: list[Path], study_instance_uid: str = ""
) -> list[StoreOutcome]:
    """Each part stored or refused; with a study (PS3.18 10.5.1, the Study resource) an
    instance of another study is refused and the others stored."""
    return [
        await asyncio.to_thread(receiver.accept, part, "", study_instance_uid) for part in parts
    ]


def stow_response(outcomes: list[StoreOutcome], base_url: str) -> tuple[int, DicomJson]:
    """PS3.18 10.5.3: 200 all stored, 202 some failed, 409 none stored."""
    stored = [o.header for o in outcomes if o.stored and o.header is not None]
    failed = [o for o in outcomes if not o.stored]
    body: DicomJson = {}
    if stored:
        body["00081199"] = {"vr": "SQ", "Value": [_referenced(h, base_url) for h in stored]}
    if failed:
        body["00081198"] = {"vr": "SQ", "Value": [_failed(o) for o in failed]}
    # PS3.18 10.5.3.1: 409 also when every instance belonged to another study than the target.
    status = 200 if not failed else 202 if stored else 409
    return status, body


def _referenced(header: Any, base_url: str) -> DicomJson:
    url = (
        f"{base_url}/studies/{header.study_instance_uid}/series/{header.series_instance_uid}"
        f"/instances/{header.sop_instance_uid}"
    )
    return {
        "00081150": element("UI", header.sop_class_uid),
        "00081155": element("UI", header.sop_instance_uid),
        "00081190": element("UR", url),
    }


def _failed(outcome: StoreOutcome) -> DicomJson:
    """PS3.18 I.1: the SOP Instance Reference Macro where the instance could be read."""
    failed = {"00081197": element("US", outcome.status)}
    if outcome.header is not None:
        failed["00081150"] = element("UI", outcome.header.sop_class_uid)
        failed["00081155"] = element("UI", outcome.header.sop_instance_uid)
    return failed
