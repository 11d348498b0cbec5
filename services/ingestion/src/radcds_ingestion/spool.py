"""The durable spool: one Part 10 file per instance, fsynced before it is acknowledged.

Paths are built only from SHA-256 digests of UIDs, never from the UIDs themselves,
so no value in received data can steer where a file lands.
"""

import hashlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO

CHUNK_BYTES = 1024 * 1024


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode("ascii", "replace")).hexdigest()


def fsync_directory(directory: Path) -> None:
    descriptor = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def fsync_file(path: Path) -> None:
    """Flush the file's data and the metadata needed to read it back (its size)."""
    with open(path, "rb+") as handle:
        os.fdatasync(handle.fileno())


class InstanceSpool:
    """Instance files under ``root/instances``; partial uploads under ``root/incoming``."""

    def __init__(self, root: Path, disk_watermark: float, min_free_bytes: int = 0) -> None:
        self.root = root
        self.incoming = root / "incoming"
        self.instances = root / "instances"
        self.disk_watermark = disk_watermark
        self.min_free_bytes = min_free_bytes

    def open(self) -> None:
        """Create the folders and drop partial files a crash left behind."""
        for directory in (self.root, self.incoming, self.instances):
            directory.mkdir(parents=True, exist_ok=True)
        for leftover in self.incoming.iterdir():
            leftover.unlink(missing_ok=True)

    def above_watermark(self) -> bool:
        usage = shutil.disk_usage(self.root)
        full = usage.used >= usage.total * self.disk_watermark
        return full or usage.free < self.min_free_bytes

    def path_for(self, study_instance_uid: str, sop_instance_uid: str) -> Path:
        study = _digest(study_instance_uid)
        return self.instances / study[:2] / study / f"{_digest(sop_instance_uid)}.dcm"

    def new_incoming_file(self) -> tuple[IO[bytes], Path]:
        handle = tempfile.NamedTemporaryFile(  # noqa: SIM115 - closed by the caller
            dir=self.incoming, suffix=".part", delete=False
        )
        return handle, Path(handle.name)

    def write_incoming(self, chunks: Iterator[bytes] | list[bytes]) -> Path:
        """Write chunks to a new incoming file and return its path (not yet durable)."""
        handle, path = self.new_incoming_file()
        with handle:
            for chunk in chunks:
                handle.write(chunk)
        return path

    def place(self, incoming: Path, study_instance_uid: str, sop_instance_uid: str) -> Path:
        """Move an incoming file whose data is already fsynced (``fsync_file``) to its final
        path and make that name durable: rename, fsync dirs."""
        final = self.path_for(study_instance_uid, sop_instance_uid)
        new_directory = not final.parent.exists()
        final.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.replace(incoming, final)
        except OSError:
            # Another filesystem (the library's temp folder): copy, then fsync the copy.
            shutil.copyfile(incoming, final)
            fsync_file(final)
            incoming.unlink(missing_ok=True)
        fsync_directory(final.parent)
        if new_directory:
            fsync_directory(final.parent.parent)
            fsync_directory(self.instances)
        return final

    def discard(self, incoming: Path) -> None:
        incoming.unlink(missing_ok=True)

    def all_instance_files(self) -> Iterator[Path]:
        yield from self.instances.glob("*/*/*.dcm")

    @staticmethod
    def read_chunks(path: Path, chunk_bytes: int = CHUNK_BYTES) -> Iterator[bytes]:
        with open(path, "rb") as handle:
            while chunk := handle.read(chunk_bytes):
                yield chunk
