"""No PHI in logs (design.md): the logs of a whole `radcds demo` run name none of the
synthetic patients, by name, MRN or birth date.

The PHI comes from what the demo synthesised: each patient's truth.json and the Patient in
its bundle.json. Every file under the suite's data/log folder is read, and what the demo
printed too.
"""

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.e2e

# demo_run (tests/conftest.py): one `radcds demo` run, shared with tests/e2e/test_demo.py.


def _patients(cohort: Path) -> Iterator[dict[str, Any]]:
    for bundle in sorted(cohort.glob("patient-*/bundle.json")):
        for entry in json.loads(bundle.read_text())["entry"]:
            if entry["resource"]["resourceType"] == "Patient":
                yield entry["resource"]


def phi_of(cohort: Path) -> dict[str, str]:
    """Each identifying value in the cohort, mapped to what kind of value it is."""
    phi: dict[str, str] = {}
    for truth in sorted(cohort.glob("patient-*/truth.json")):
        values = json.loads(truth.read_text())
        phi[values["mrn"]] = "MRN"
        phi[values["record"]["birth_date"]] = "birth date"
    for patient in _patients(cohort):
        for name in patient.get("name", []):
            phi |= dict.fromkeys(name.get("given", []), "given name")
            if name.get("family"):
                phi[name["family"]] = "family name"
        for identifier in patient.get("identifier", []):
            phi.setdefault(identifier["value"], "identifier")
        phi[patient["birthDate"]] = "birth date"
    for value, kind in list(phi.items()):
        if kind == "birth date":
            phi[value.replace("-", "")] = "birth date"
    return phi


def phi_matcher(phi: dict[str, str]) -> re.Pattern[str]:
    """Whole values only: a name inside a longer word, or digits inside a UID, are not PHI."""
    alternatives = "|".join(re.escape(v) for v in sorted(phi, key=len, reverse=True))
    return re.compile(rf"(?<![\w.])(?:{alternatives})(?!\w|\.\d)")


def phi_found(matcher: re.Pattern[str], phi: dict[str, str], text: str, where: str) -> list[str]:
    """Where each match is, and what kind of PHI it is; never the value itself."""
    found = []
    for number, line in enumerate(text.splitlines(), start=1):
        found += [f"{where}:{number}: a {phi[m.group(0)]}" for m in matcher.finditer(line)]
    return found


def test_the_matcher_finds_planted_phi(demo_run: Any) -> None:
    """The scan below could fail: each kind of value, planted in a log line, is found."""
    phi = phi_of(demo_run.out / "cohort")
    assert {"MRN", "birth date", "given name", "family name"} <= set(phi.values())
    matcher = phi_matcher(phi)
    for value, kind in phi.items():
        line = f'{{"level": "INFO", "message": "received {value}.", "trace_id": "ab12"}}'
        assert phi_found(matcher, phi, line, "planted") == [f"planted:1: a {kind}"]
    family = next(v for v, k in phi.items() if k == "family name")
    assert phi_found(matcher, phi, f"PatientName={family}^X", "planted")
    uid = "1.2.826.0.1." + next(v for v, k in phi.items() if k == "MRN") + ".7"
    assert not phi_found(matcher, phi, f"study {uid} stored", "planted")


def test_the_logs_of_a_whole_demo_run_hold_no_phi(demo_run: Any) -> None:
    assert demo_run.returncode == 0, demo_run.stdout[-2000:] + demo_run.stderr[-2000:]
    phi = phi_of(demo_run.out / "cohort")
    matcher = phi_matcher(phi)
    logs = demo_run.log_files
    assert {p.name for p in logs} >= {"gateway.log", "ingestion.log", "inference.log"}
    found = phi_found(matcher, phi, demo_run.stdout, "demo stdout")
    found += phi_found(matcher, phi, demo_run.stderr, "demo stderr")
    for path in logs:
        found += phi_found(matcher, phi, path.read_text(errors="replace"), path.name)
    assert not found, "\n".join(found[:50])
