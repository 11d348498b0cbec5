"""Batch and transaction Bundles posted to the base URL."""

import httpx

FHIR_JSON = {"Content-Type": "application/fhir+json"}
PATIENT_URN = "urn:uuid:0b8a3f4e-1c1d-4c5e-9f00-000000000042"


def transaction(*entries: dict[str, object]) -> dict[str, object]:
    return {"resourceType": "Bundle", "type": "transaction", "entry": list(entries)}


def patient_entry() -> dict[str, object]:
    return {
        "fullUrl": PATIENT_URN,
        "resource": {
            "resourceType": "Patient",
            "identifier": [{"system": "urn:mrn", "value": "T1"}],
        },
        "request": {"method": "POST", "url": "Patient", "ifNoneExist": "identifier=urn:mrn|T1"},
    }


def report_entry(issued: str = "2024-05-01T10:00:00Z") -> dict[str, object]:
    return {
        "resource": {
            "resourceType": "DiagnosticReport",
            "status": "preliminary",
            "issued": issued,
            "code": {"text": "CT head"},
            "subject": {"reference": PATIENT_URN},
        },
        "request": {"method": "POST", "url": "DiagnosticReport"},
    }


def test_transaction_resolves_references_and_conditional_creates(client: httpx.Client) -> None:
    first = client.post("", json=transaction(patient_entry(), report_entry()), headers=FHIR_JSON)
    assert first.status_code == 200, first.text
    entries = first.json()["entry"]
    patient_id = entries[0]["resource"]["id"]
    assert entries[1]["resource"]["subject"]["reference"] == f"Patient/{patient_id}"
    second = client.post("", json=transaction(patient_entry(), report_entry()), headers=FHIR_JSON)
    assert second.json()["entry"][0]["response"]["status"] == "200"
    assert second.json()["entry"][1]["resource"]["subject"]["reference"] == f"Patient/{patient_id}"
    reports = client.get(f"/DiagnosticReport?subject=Patient/{patient_id}").json()
    assert reports["total"] == 2


def test_a_failing_transaction_stores_nothing(client: httpx.Client) -> None:
    response = client.post(
        "", json=transaction(patient_entry(), report_entry("yesterday")), headers=FHIR_JSON
    )
    assert response.status_code == 422
    outcome = response.json()
    assert outcome["resourceType"] == "OperationOutcome"
    assert outcome["issue"][0]["diagnostics"].startswith("entry 1:")
    assert client.get("/Patient?identifier=urn:mrn|T1").json()["total"] == 0


def test_batch_entries_succeed_or_fail_on_their_own(client: httpx.Client) -> None:
    batch = {
        "resourceType": "Bundle",
        "type": "batch",
        "entry": [
            {
                "resource": {"resourceType": "Device", "status": "active"},
                "request": {"method": "POST", "url": "Device"},
            },
            {
                "resource": {"resourceType": "Device", "status": 7},
                "request": {"method": "POST", "url": "Device"},
            },
            {"request": {"method": "GET", "url": "Device/missing"}},
        ],
    }
    response = client.post("", json=batch, headers=FHIR_JSON)
    assert response.status_code == 200
    statuses = [e["response"]["status"] for e in response.json()["entry"]]
    assert statuses == ["201", "422", "404"]
    assert client.get("/Device").json()["total"] == 1
