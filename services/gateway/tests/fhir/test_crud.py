"""Read, vread, create, update, delete and history through the HTTP API."""

import httpx

PATIENT = {
    "resourceType": "Patient",
    "identifier": [{"system": "urn:oid:1.2.36.146.595.217.0.1", "value": "MRN-1"}],
    "name": [{"family": "Testperson", "given": ["Ada"]}],
    "gender": "female",
    "birthDate": "1970-03-04",
}
FHIR_JSON = {"Content-Type": "application/fhir+json"}


def create(client: httpx.Client, resource: dict[str, object], **headers: str) -> httpx.Response:
    return client.post(
        f"/{resource['resourceType']}", json=resource, headers={**FHIR_JSON, **headers}
    )


def test_create_then_read_returns_the_resource_with_meta(client: httpx.Client) -> None:
    created = create(client, PATIENT)
    assert created.status_code == 201
    assert created.headers["content-type"].startswith("application/fhir+json")
    body = created.json()
    assert created.headers["location"].endswith(f"/Patient/{body['id']}/_history/1")
    assert created.headers["etag"] == 'W/"1"'
    read = client.get(f"/Patient/{body['id']}")
    assert read.status_code == 200
    assert read.json() == body
    assert read.json()["meta"]["versionId"] == "1"
    assert read.json()["name"] == PATIENT["name"]


def test_update_with_if_match_versions_and_refuses_a_stale_version(client: httpx.Client) -> None:
    patient = create(client, PATIENT).json()
    patient["gender"] = "other"
    updated = client.put(
        f"/Patient/{patient['id']}", json=patient, headers={**FHIR_JSON, "If-Match": 'W/"1"'}
    )
    assert updated.status_code == 200
    assert updated.json()["meta"]["versionId"] == "2"
    stale = client.put(
        f"/Patient/{patient['id']}", json=patient, headers={**FHIR_JSON, "If-Match": 'W/"1"'}
    )
    assert stale.status_code == 412
    assert stale.json()["resourceType"] == "OperationOutcome"
    assert client.get(f"/Patient/{patient['id']}/_history/1").json()["gender"] == "female"
    assert client.get(f"/Patient/{patient['id']}").json()["gender"] == "other"


def test_update_creates_a_resource_with_a_client_id(client: httpx.Client) -> None:
    response = client.put("/Patient/p-given", json={**PATIENT, "id": "p-given"}, headers=FHIR_JSON)
    assert response.status_code == 201
    assert client.get("/Patient/p-given").json()["id"] == "p-given"


def test_delete_makes_read_gone_and_history_keeps_every_version(client: httpx.Client) -> None:
    patient = create(client, PATIENT).json()
    client.put(f"/Patient/{patient['id']}", json={**patient, "active": True}, headers=FHIR_JSON)
    assert client.delete(f"/Patient/{patient['id']}").status_code == 200
    assert client.get(f"/Patient/{patient['id']}").status_code == 410
    history = client.get(f"/Patient/{patient['id']}/_history").json()
    assert history["type"] == "history"
    assert [e["response"]["etag"] for e in history["entry"]] == ['W/"3"', 'W/"2"', 'W/"1"']
    assert history["entry"][0]["request"]["method"] == "DELETE"
    assert history["entry"][1]["resource"]["active"] is True


def test_if_none_exist_returns_the_existing_match(client: httpx.Client) -> None:
    condition = "identifier=urn:oid:1.2.36.146.595.217.0.1|MRN-1"
    first = create(client, PATIENT, **{"If-None-Exist": condition})
    second = create(client, PATIENT, **{"If-None-Exist": condition})
    assert (first.status_code, second.status_code) == (201, 200)
    assert second.json()["id"] == first.json()["id"]
    create(client, PATIENT)
    assert create(client, PATIENT, **{"If-None-Exist": condition}).status_code == 412


def test_invalid_resource_gets_422_with_what_is_wrong_and_stores_nothing(
    client: httpx.Client,
) -> None:
    bad = {**PATIENT, "birthDate": "1970-13-45", "unknownField": 1}
    response = create(client, bad)
    assert response.status_code == 422
    outcome = response.json()
    assert outcome["resourceType"] == "OperationOutcome"
    where = {e for issue in outcome["issue"] for e in issue["expression"]}
    assert {"birthDate", "unknownField"} <= where
    assert client.get("/Patient").json()["total"] == 0


def test_malformed_requests_get_an_operation_outcome(client: httpx.Client) -> None:
    not_json = client.post("/Patient", content=b"{nope", headers=FHIR_JSON)
    assert not_json.status_code == 400
    assert not_json.json()["issue"][0]["code"] == "structure"
    wrong_type = client.post("/Patient", json={"resourceType": "Observation"}, headers=FHIR_JSON)
    assert wrong_type.status_code == 400
    unsupported = client.get("/Library/1")
    assert unsupported.status_code == 404
    assert unsupported.json()["resourceType"] == "OperationOutcome"
    assert client.get("/Patient/does-not-exist").status_code == 404
    xml = client.post(
        "/Patient", content=b"<Patient/>", headers={"Content-Type": "application/fhir+xml"}
    )
    assert xml.status_code == 415
    bad_id = client.put("/Patient/bad_id!", json=PATIENT, headers=FHIR_JSON)
    assert bad_id.status_code == 400


def test_capability_statement_lists_types_interactions_and_parameters(client: httpx.Client) -> None:
    statement = client.get("/metadata").json()
    assert statement["resourceType"] == "CapabilityStatement"
    assert statement["fhirVersion"] == "4.0.1"
    resources = {r["type"]: r for r in statement["rest"][0]["resource"]}
    assert "Binary" in resources
    assert "Library" not in resources
    observation = resources["Observation"]
    params = {p["name"]: p["type"] for p in observation["searchParam"]}
    assert (params["code"], params["date"], params["subject"]) == ("token", "date", "reference")
    assert "code-value-quantity" not in params
    assert "Observation:subject" in observation["searchInclude"]
