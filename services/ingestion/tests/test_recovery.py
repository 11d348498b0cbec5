"""Recovery: the spool is the record of truth, and the index is rebuilt from it.

The SQLite index runs in WAL mode with synchronous=NORMAL: a power failure may lose its
last committed transactions, while every acknowledged file was fsynced, with its
directory entry, before its success status went back. Losing those transactions is
simulated by undoing them; the restart's rescan must put back every instance.
"""

from pathlib import Path

import pytest
from pydicom import dcmread
from radcds_ingestion.index import InstanceIndex
from radcds_ingestion.receiver import InstanceReceiver
from radcds_ingestion.recovery import reindex_spool
from radcds_ingestion.spool import InstanceSpool

pytestmark = pytest.mark.integration


def store(receiver: InstanceReceiver, spool: InstanceSpool, paths: list[Path]) -> list[str]:
    """C-STORE's path without the network; returns the SOP Instance UIDs stored."""
    stored = []
    for path in paths:
        outcome = receiver.accept(spool.write_incoming([path.read_bytes()]))
        assert outcome.stored
        assert outcome.header is not None
        stored.append(outcome.header.sop_instance_uid)
    return stored


def test_the_last_transactions_lost_at_power_failure_come_back(
    spool, index, receiver, write_ct_series
) -> None:
    paths = write_ct_series(5, accession="ACC-REC")
    stored = store(receiver, spool, paths)
    study_uid = dcmread(paths[0]).StudyInstanceUID
    with index.engine.begin() as connection:
        for uid in stored[2:]:
            connection.exec_driver_sql("DELETE FROM instances WHERE sop_instance_uid = ?", (uid,))
        connection.exec_driver_sql("UPDATE studies SET revision = 2")

    assert reindex_spool(spool, index) == 3

    snapshot = index.snapshot(study_uid)
    assert snapshot is not None
    assert sorted(row["sop_instance_uid"] for row in snapshot.instances) == sorted(stored)
    assert snapshot.study["revision"] == 5
    assert snapshot.study["accession_number"] == "ACC-REC"


def test_a_lost_index_is_rebuilt_from_the_spool(spool, receiver, write_ct_series) -> None:
    stored = store(receiver, spool, write_ct_series(4))
    fresh = InstanceIndex(f"sqlite:///{spool.root / 'rebuilt.sqlite3'}")
    fresh.open()
    try:
        assert reindex_spool(spool, fresh) == len(stored)
        assert reindex_spool(spool, fresh) == 0
        assert fresh.instance_count() == len(stored)
    finally:
        fresh.close()
