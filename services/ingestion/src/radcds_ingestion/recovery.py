"""Rebuilding the index from the spool after a crash.

A file reaches ``instances/`` only after validation and fsync; the index entry
follows. A crash between the two leaves a durable file the index lacks, which
this scan puts back, so every acknowledged instance is indexed again.
"""

import logging
from pathlib import Path

from radcds_ingestion.index import InstanceIndex
from radcds_ingestion.instance_header import RejectedInstance, read_instance_header
from radcds_ingestion.spool import InstanceSpool

log = logging.getLogger(__name__)


def reindex_spool(spool: InstanceSpool, index: InstanceIndex) -> int:
    """Index every spooled file the index does not know; returns how many were added."""
    known = index.indexed_paths()
    added = 0
    for path in spool.all_instance_files():
        if str(path) in known:
            continue
        if _reindex(path, index):
            added += 1
    if added:
        log.warning("instances re-indexed from the spool", extra={"count": added})
    return added


def _reindex(path: Path, index: InstanceIndex) -> bool:
    try:
        header = read_instance_header(path)
    except RejectedInstance:
        log.error("unreadable file in the spool", extra={"file": path.name})
        return False
    stat = path.stat()
    index.add(header, str(path), stat.st_size, stat.st_mtime)
    return True
