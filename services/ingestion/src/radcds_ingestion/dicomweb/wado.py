"""WADO-RS (PS3.18 10.4): stored Part 10 files as multipart/related, streamed from disk."""

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from radcds_ingestion.spool import InstanceSpool


def new_boundary() -> str:
    return uuid.uuid4().hex


def content_type(boundary: str) -> str:
    return f'multipart/related; type="application/dicom"; boundary={boundary}'


def path_of(row: Any) -> Path:
    return Path(row["path"])


def multipart_instances(rows: list[Any], boundary: str) -> Iterator[bytes]:
    """Each instance as stored (its own transfer syntax), one part per instance.

    A sync generator: Starlette iterates it in a worker thread, so disk reads do
    not block the event loop.
    """
    delimiter = f"--{boundary}".encode()
    for row in rows:
        yield delimiter + b"\r\nContent-Type: application/dicom\r\n\r\n"
        yield from InstanceSpool.read_chunks(path_of(row))
        yield b"\r\n"
    yield delimiter + b"--\r\n"
