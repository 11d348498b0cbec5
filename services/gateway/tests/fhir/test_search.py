"""Search: R4 parameters by type, prefixes, paging, sorting and includes."""

import httpx
import pytest

FHIR_JSON = {"Content-Type": "application/fhir+json"}


def put(client: httpx.Client, resource: dict[str, object]) -> None:
    response = client.put(
        f"/{resource['resourceType']}/{resource['id']}", json=resource, headers=FHIR_JSON
    )
    assert response.status_code in (200, 201), response.text


def observation(
    oid: str, code: str, when: str, patient: str = "p1", value: float = 1.0
) -> dict[str, object]:
    return {
        "resourceType": "Observation",
        "id": oid,
        "status": "final",
        "category": [
            {
                "coding": [
                    {
                        "system": "http://terminology.hl7.org/CodeSystem/observation-category",
                        "code": "imaging",
                    }
                ]
            }
        ],
        "code": {"coding": [{"system": "http://loinc.org", "code": code}]},
        "subject": {"reference": f"Patient/{patient}"},
        "encounter": {"reference": "Encounter/e1"},
        "basedOn": [{"reference": "ServiceRequest/sr1"}],
        "effectiveDateTime": when,
        "valueQuantity": {
            "value": value,
            "unit": "mL",
            "system": "http://unitsofmeasure.org",
            "code": "mL",
        },
    }


@pytest.fixture
def records(client: httpx.Client) -> httpx.Client:
    for pid, family in (("p1", "Müller"), ("p2", "Miller")):
        put(
            client,
            {
                "resourceType": "Patient",
                "id": pid,
                "name": [{"family": family}],
                "identifier": [{"system": "urn:mrn", "value": pid.upper()}],
            },
        )
    put(client, observation("o1", "1111-1", "2024-01-10T10:00:00Z", value=5))
    put(client, observation("o2", "2222-2", "2024-02-10", value=12.5))
    put(client, observation("o3", "1111-1", "2024-03-10T10:00:00+02:00", patient="p2", value=30))
    put(
        client,
        {
            "resourceType": "Provenance",
            "id": "prov1",
            "target": [{"reference": "Observation/o1"}],
            "recorded": "2024-01-10T10:00:00Z",
            "agent": [{"who": {"display": "model"}}],
        },
    )
    return client


def ids(bundle: dict[str, object], mode: str = "match") -> list[str]:
    entries = bundle.get("entry", [])
    assert isinstance(entries, list)
    return sorted(
        f"{e['resource']['resourceType']}/{e['resource']['id']}"
        for e in entries
        if e["search"]["mode"] == mode
    )


OBSERVATION_QUERIES = [
    ("code=1111-1", ["o1", "o3"]),
    ("code=http://loinc.org|2222-2", ["o2"]),
    ("code=http://other.org|2222-2", []),
    ("code=1111-1,2222-2", ["o1", "o2", "o3"]),
    ("subject=Patient/p1", ["o1", "o2"]),
    ("patient=p2", ["o3"]),
    ("subject:Patient=p2", ["o3"]),
    ("encounter=Encounter/e1&based-on=ServiceRequest/sr1", ["o1", "o2", "o3"]),
    ("category=imaging&status=final", ["o1", "o2", "o3"]),
    ("date=2024-02", ["o2"]),
    ("date=ge2024-02-10", ["o2", "o3"]),
    ("date=lt2024-02-01", ["o1"]),
    ("date=gt2024-01-10T10:00:00Z&date=le2024-03-10", ["o2", "o3"]),
    ("value-quantity=gt10", ["o2", "o3"]),
    ("value-quantity=12.5|http://unitsofmeasure.org|mL", ["o2"]),
    ("_id=o1,o3", ["o1", "o3"]),
    ("status:not=final", []),
]


def test_observation_search(records: httpx.Client) -> None:
    for query, expected in OBSERVATION_QUERIES:
        response = records.get(f"/Observation?{query}")
        assert response.status_code == 200, response.text
        assert ids(response.json()) == [f"Observation/{o}" for o in expected], query


def test_string_search_ignores_case_and_accents(records: httpx.Client) -> None:
    assert ids(records.get("/Patient?family=muller").json()) == ["Patient/p1"]
    assert ids(records.get("/Patient?name=M").json()) == ["Patient/p1", "Patient/p2"]
    assert ids(records.get("/Patient?name:exact=miller").json()) == ["Patient/p2"]
    assert ids(records.get("/Patient?identifier=urn:mrn|P2").json()) == ["Patient/p2"]


def test_last_updated_search(records: httpx.Client) -> None:
    assert len(ids(records.get("/Observation?_lastUpdated=gt2000-01-01").json())) == 3
    assert ids(records.get("/Observation?_lastUpdated=lt2000-01-01").json()) == []


def test_count_pages_through_next_links(records: httpx.Client) -> None:
    seen, url = [], "/Observation?_count=2&_sort=date"
    while url:
        page = records.get(url).json()
        assert page["total"] == 3
        seen += [e["resource"]["id"] for e in page.get("entry", [])]
        url = next((link["url"] for link in page["link"] if link["relation"] == "next"), "")
    assert seen == ["o1", "o2", "o3"]


def test_sort_descending(records: httpx.Client) -> None:
    page = records.get("/Observation?_sort=-value-quantity").json()
    assert [e["resource"]["id"] for e in page["entry"]] == ["o3", "o2", "o1"]


def test_include_and_revinclude(records: httpx.Client) -> None:
    bundle = records.get(
        "/Observation?_id=o1&_include=Observation:subject&_revinclude=Provenance:target"
    ).json()
    assert ids(bundle) == ["Observation/o1"]
    assert ids(bundle, "include") == ["Patient/p1", "Provenance/prov1"]
    patients = records.get("/Patient?_id=p1&_revinclude=Observation:subject").json()
    assert ids(patients, "include") == ["Observation/o1", "Observation/o2"]


def test_bad_search_gets_an_operation_outcome(records: httpx.Client) -> None:
    unknown = records.get("/Observation?colour=blue")
    assert unknown.status_code == 400
    assert unknown.json()["resourceType"] == "OperationOutcome"
    assert records.get("/Observation?date=yesterday").status_code == 400
    assert records.get("/Observation?_count=lots").status_code == 400
    lenient = records.get("/Observation?colour=blue", headers={"Prefer": "handling=lenient"})
    assert lenient.status_code == 200
