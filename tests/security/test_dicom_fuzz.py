"""Mutated DICOM instances sent to a real ingestion process by C-STORE (pynetdicom, one
association kept open across many instances) and by STOW-RS (httpx, with a Keycloak token as
ingestion's DICOMweb requires). Every answer is a failure status, or a success for an
instance that is still valid and is then served back; ingestion stays SERVING; a study
stored before the attack is served byte for byte the same after it.

RADCDS_SECURITY_EXAMPLES sets the examples per route (default 150)."""

import copy
import dataclasses
import os
import socket
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, note, settings
from hypothesis import strategies as st
from pydicom import dcmread
from pydicom.dataset import Dataset
from pydicom.uid import CTImageStorage, DeflatedExplicitVRLittleEndian, ExplicitVRLittleEndian
from pynetdicom import AE, _config
from pynetdicom.association import Association
from pynetdicom.sop_class import Verification  # type: ignore[attr-defined]
from radcds_kit.health import health_status
from radcds_kit.testing.keycloak import KeycloakServer
from radcds_synth import generate_patient, plan_patient

from .conftest import RunningIngestion
from .dicom_mutations import (
    ITEM,
    ITEM_END,
    PROPOSED_SYNTAXES,
    SEQUENCE,
    SEQUENCE_END,
    Instance,
    dataset_body,
    explicit_little_body,
    fully_readable,
    mutated,
)

# pydicom warns on every malformed value it reads back; the assertions say what matters.
pytestmark = [pytest.mark.e2e, pytest.mark.filterwarnings("ignore::UserWarning")]

EXAMPLES = int(os.environ.get("RADCDS_SECURITY_EXAMPLES", "150"))
# A realm client whose system/*.cruds grants STOW-RS (create) and WADO-RS (read) on
# ImagingStudy: report, the suite's own DICOM sender.
DICOMWEB_CLIENT = "radcds-report"
# PS3.4 Annex B.2.3 and PS3.7 C: success and the warnings that still store the instance.
STORED = {0x0000, 0xB000, 0xB006, 0xB007}
FUZZ_SETTINGS = settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)


@pytest.fixture(scope="module")
def study(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    """A synthetic head CT (64x64x16): the study that must survive the attack."""
    out = tmp_path_factory.mktemp("synth")
    plan = plan_patient(31, 0, "ich")
    generate_patient(out, plan)
    return sorted((out / plan.directory_name / "CT").glob("*.dcm"))


@pytest.fixture(scope="module")
def template(study: list[Path]) -> Dataset:
    """One instance of the study, moved to a study and series of its own."""
    dataset = dcmread(study[len(study) // 2])
    dataset.StudyInstanceUID = f"2.25.{uuid.uuid4().int}"
    dataset.SeriesInstanceUID = f"2.25.{uuid.uuid4().int}"
    return dataset


@pytest.fixture(scope="module")
def dicomweb(ingestion: RunningIngestion, keycloak: KeycloakServer) -> Iterator[httpx.Client]:
    token = keycloak.service_token(DICOMWEB_CLIENT)
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=ingestion.dicomweb_url, headers=headers, timeout=60) as client:
        yield client


@pytest.fixture(scope="module", autouse=True)
def chunked_store() -> Iterator[None]:
    """pynetdicom sends each file's bytes as they are (no decode and re-encode), for this
    module only: the setting is process-global, and left on it makes other tests' SCUs
    refuse to convert between transfer syntaxes."""
    before = _config.STORE_SEND_CHUNKED_DATASET
    _config.STORE_SEND_CHUNKED_DATASET = True
    yield
    _config.STORE_SEND_CHUNKED_DATASET = before


class Scu:
    """A C-STORE SCU that keeps its association open, and opens a new one when ingestion
    has aborted or released the last."""

    def __init__(self, port: int) -> None:
        self.ae = AE(ae_title="FUZZSCU")
        for syntax in PROPOSED_SYNTAXES:
            self.ae.add_requested_context(CTImageStorage, syntax)
        self.ae.add_requested_context(Verification)
        self.port = port
        self.associations = 0
        self._assoc: Association | None = None

    def association(self) -> Association:
        if self._assoc is None or not self._assoc.is_established:
            self._assoc = self.ae.associate("127.0.0.1", self.port, ae_title="RADCDS")
            assert self._assoc.is_established, "ingestion refused a new association"
            sock = self._assoc.dul.socket.socket  # type: ignore[union-attr]
            assert sock is not None
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            self.associations += 1
        return self._assoc

    def store(self, path: Path) -> int | None:
        """The C-STORE status; None when the SCU could not send it or the association ended
        before an answer."""
        try:
            status = self.association().send_c_store(path)
        except (ValueError, AttributeError) as refused_here:
            note(f"the SCU did not send it: {refused_here}")
            return None
        return int(status.Status) if "Status" in status else None

    def release(self) -> None:
        if self._assoc is not None and self._assoc.is_established:
            self._assoc.release()


def retrieve(dicomweb: httpx.Client, study: str, series: str, sop: str) -> bytes:
    """The instance's Part 10 bytes by WADO-RS (PS3.18 10.4), from its multipart/related."""
    path = f"/studies/{study}/series/{series}/instances/{sop}"
    response = dicomweb.get(path, headers={"Accept": 'multipart/related; type="application/dicom"'})
    assert response.status_code == 200, (response.status_code, response.text[:200])
    boundary = response.headers["content-type"].split("boundary=")[1].split(";")[0].strip('"')
    (part,) = [p for p in response.content.split(b"--" + boundary.encode())[1:-1]]
    return part.split(b"\r\n\r\n", 1)[1].removesuffix(b"\r\n")


def assert_served_back(dicomweb: httpx.Client, sent: Dataset, body: bytes) -> None:
    """An instance ingestion said it stored is served back, its dataset byte for byte."""
    uids = (sent.StudyInstanceUID, sent.SeriesInstanceUID, sent.SOPInstanceUID)
    assert dataset_body(retrieve(dicomweb, *uids)) == body


def assert_still_serving(ingestion: RunningIngestion) -> None:
    assert ingestion.process.running, "ingestion died"
    assert health_status(ingestion.process.address) == "SERVING"


@pytest.fixture(scope="module")
def stored_before(
    study: list[Path], ingestion: RunningIngestion, dicomweb: httpx.Client
) -> dict[str, bytes]:
    """The study, stored by C-STORE before any attack, as WADO-RS serves it."""
    scu = Scu(ingestion.dimse_port)
    try:
        assert all(scu.store(path) == 0x0000 for path in study)
    finally:
        scu.release()
    served = {}
    for path in study:
        ds = dcmread(path, stop_before_pixels=True)
        uids = (ds.StudyInstanceUID, ds.SeriesInstanceUID, ds.SOPInstanceUID)
        served[ds.SOPInstanceUID] = retrieve(dicomweb, *uids)
    return served


def assert_intact(stored_before: dict[str, bytes], study: list[Path], dicomweb: Any) -> None:
    for path in study:
        ds = dcmread(path, stop_before_pixels=True)
        uids = (ds.StudyInstanceUID, ds.SeriesInstanceUID, ds.SOPInstanceUID)
        assert retrieve(dicomweb, *uids) == stored_before[ds.SOPInstanceUID]


@pytest.mark.timeout(1200)
def test_c_store_of_mutated_instances(
    ingestion: RunningIngestion,
    dicomweb: httpx.Client,
    template: Dataset,
    study: list[Path],
    stored_before: dict[str, bytes],
    tmp_path: Path,
) -> None:
    scu = Scu(ingestion.dimse_port)
    statuses: list[int | None] = []

    @FUZZ_SETTINGS
    @given(instance=mutated(template))
    def attack(instance: Instance) -> None:
        # C-STORE carries no file meta: the meta only tells the SCU what to declare.
        instance = dataclasses.replace(instance, with_meta=True)
        note(repr(instance)[:2000])
        path = tmp_path / "instance.dcm"
        path.write_bytes(instance.part10())
        status = scu.store(path)
        statuses.append(status)
        note(f"status {status}")
        if status in STORED:
            sent = fully_readable(instance.part10())
            assert sent is not None, f"status 0x{status:04X} for an unreadable instance"
            assert_served_back(dicomweb, sent, instance.body)
        else:
            assert not instance.intact, f"a valid instance refused: {status}"

    try:
        attack()
    finally:
        scu.release()
    assert_still_serving(ingestion)
    assert_intact(stored_before, study, dicomweb)
    assert any(s is not None and s not in STORED for s in statuses), "nothing was refused"


def stow(dicomweb: httpx.Client, parts: list[bytes]) -> httpx.Response:
    boundary = uuid.uuid4().hex
    body = b"".join(
        f"--{boundary}\r\nContent-Type: application/dicom\r\n\r\n".encode() + part + b"\r\n"
        for part in parts
    )
    content_type = f'multipart/related; type="application/dicom"; boundary={boundary}'
    body += f"--{boundary}--\r\n".encode()
    return dicomweb.post("/studies", content=body, headers={"Content-Type": content_type})


def sop_uids(response_body: dict[str, Any], sequence: str) -> list[str]:
    items = response_body.get(sequence, {}).get("Value", [])
    return [item["00081155"]["Value"][0] for item in items if "00081155" in item]


@pytest.mark.timeout(1200)
def test_stow_rs_of_mutated_instances(
    ingestion: RunningIngestion,
    dicomweb: httpx.Client,
    template: Dataset,
    study: list[Path],
    stored_before: dict[str, bytes],
) -> None:
    # One instance per SOP Instance UID in a request: the one stored last would win.
    instances = st.lists(
        mutated(template), min_size=1, max_size=3, unique_by=lambda i: i.dataset_uid
    )

    @FUZZ_SETTINGS
    @given(instances=instances)
    def attack(instances: list[Instance]) -> None:
        parts = [instance.part10() for instance in instances]
        response = stow(dicomweb, parts)
        note(f"{response.status_code} {response.text[:500]}")
        assert response.status_code in (200, 202, 400, 409, 413, 415), response.status_code
        if response.status_code == 400:
            return
        body = response.json()
        stored = sop_uids(body, "00081199")
        failed = body.get("00081198", {}).get("Value", [])
        assert len(stored) + len(failed) == len(parts)
        assert response.status_code == (200 if not failed else 202 if stored else 409)
        valid = {}
        for instance in instances:
            dataset = fully_readable(instance.part10())
            if dataset is not None:
                valid[str(dataset.SOPInstanceUID)] = (dataset, instance.body)
        for uid in stored:
            assert uid in valid, f"stored an instance that is not valid: {uid}"
            assert_served_back(dicomweb, *valid[uid])
        for instance in instances:
            if instance.intact:
                assert instance.sop_instance in stored, "a valid instance refused"

    attack()
    assert_still_serving(ingestion)
    assert_intact(stored_before, study, dicomweb)


def nested_sequences(depth: int) -> bytes:
    inner = b""
    for _ in range(depth):
        inner = SEQUENCE + ITEM + inner + ITEM_END + SEQUENCE_END
    return inner


def unknown_vr_in_study_time(body: bytes) -> bytes:
    at = body.index(b"\x08\x00\x30\x00TM")  # (0008,0030) Study Time
    return body[: at + 4] + b"UM" + body[at + 6 :]


# What the fuzzing found crashing ingestion's STOW-RS with a 500 (the instance header reader
# let zlib.error, RecursionError and NotImplementedError escape).
def deflated_over_plain(body: bytes) -> tuple[bytes, str]:
    return body, DeflatedExplicitVRLittleEndian


def deeply_nested(body: bytes) -> tuple[bytes, str]:
    return nested_sequences(3000) + body, ExplicitVRLittleEndian


def unknown_vr(body: bytes) -> tuple[bytes, str]:
    return unknown_vr_in_study_time(body), ExplicitVRLittleEndian


# Each with the answer it gets now: refused (409, 0xC000), or for an unknown VR stored with
# the value uninterpreted (PS3.5 6.2.2), its Study Time left out of the index.
CRASHERS: dict[str, tuple[Callable[[bytes], tuple[bytes, str]], int]] = {
    "deflated syntax over a plain body": (deflated_over_plain, 409),
    "sequences nested 3000 deep": (deeply_nested, 409),
    "unknown VR in a header element": (unknown_vr, 200),
}


@pytest.mark.parametrize("crasher", sorted(CRASHERS))
def test_what_once_crashed_stow_rs_is_refused(
    ingestion: RunningIngestion, dicomweb: httpx.Client, template: Dataset, crasher: str
) -> None:
    dataset = copy.deepcopy(template)
    dataset.SOPInstanceUID = f"2.25.{uuid.uuid4().int}"
    breaks, expected = CRASHERS[crasher]
    body, syntax = breaks(explicit_little_body(dataset))
    instance = Instance(body, syntax, CTImageStorage, str(dataset.SOPInstanceUID))
    response = stow(dicomweb, [instance.part10()])
    assert response.status_code == expected, response.text[:300]
    if expected == 409:
        (failed,) = response.json()["00081198"]["Value"]
        assert failed["00081197"]["Value"] == [0xC000]
    else:
        assert_served_back(dicomweb, dataset, body)
    assert_still_serving(ingestion)
