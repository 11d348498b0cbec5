"""The gRPC FhirStore on a real grpc.aio server on an ephemeral port."""

import json
from collections.abc import AsyncIterator

import grpc
import pytest
from radcds.gateway.v1 import fhir_store_pb2, fhir_store_pb2_grpc
from radcds_gateway.fhir.app import FhirComponents
from radcds_gateway.fhir.grpc_store import FhirStoreServicer
from radcds_kit.testing.servers import free_port


@pytest.fixture
async def store(fhir: FhirComponents) -> AsyncIterator[fhir_store_pb2_grpc.FhirStoreServiceStub]:
    server = grpc.aio.server()
    fhir_store_pb2_grpc.add_FhirStoreServiceServicer_to_server(
        FhirStoreServicer(fhir.service, "http://gateway.test/fhir"), server
    )
    port = server.add_insecure_port(f"127.0.0.1:{free_port()}")
    await server.start()
    async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as channel:
        yield fhir_store_pb2_grpc.FhirStoreServiceStub(channel)
    await server.stop(grace=None)


def study(uid: str) -> bytes:
    resource = {
        "resourceType": "ImagingStudy",
        "status": "available",
        "identifier": [{"system": "urn:dicom:uid", "value": f"urn:oid:{uid}"}],
        "subject": {"reference": "Patient/p1"},
    }
    return json.dumps(resource).encode()


async def test_put_get_search_with_versioning(
    store: fhir_store_pb2_grpc.FhirStoreServiceStub,
) -> None:
    condition = "identifier=urn:dicom:uid|urn:oid:1.2.3"
    first = await store.Put(
        fhir_store_pb2.PutRequest(resource=study("1.2.3"), if_none_exist=condition)
    )
    again = await store.Put(
        fhir_store_pb2.PutRequest(resource=study("1.2.3"), if_none_exist=condition)
    )
    assert first.created
    assert not again.created
    stored = json.loads(first.resource)
    assert json.loads(again.resource)["id"] == stored["id"]
    stored["status"] = "cancelled"
    updated = await store.Put(
        fhir_store_pb2.PutRequest(resource=json.dumps(stored).encode(), if_match_version_id="1")
    )
    assert json.loads(updated.resource)["meta"]["versionId"] == "2"
    got = await store.Get(
        fhir_store_pb2.GetRequest(resource_type="ImagingStudy", id=stored["id"], version_id="1")
    )
    assert json.loads(got.resource)["status"] == "available"
    found = await store.Search(
        fhir_store_pb2.SearchRequest(resource_type="ImagingStudy", query="patient=Patient/p1")
    )
    bundle = json.loads(found.bundle)
    assert bundle["total"] == 1
    assert bundle["entry"][0]["resource"]["status"] == "cancelled"


async def test_errors_map_to_grpc_status_with_an_operation_outcome(
    store: fhir_store_pb2_grpc.FhirStoreServiceStub,
) -> None:
    with pytest.raises(grpc.aio.AioRpcError) as invalid:
        await store.Put(
            fhir_store_pb2.PutRequest(resource=b'{"resourceType": "Patient", "birthDate": "x"}')
        )
    assert invalid.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert json.loads(invalid.value.details() or "")["resourceType"] == "OperationOutcome"
    with pytest.raises(grpc.aio.AioRpcError) as missing:
        await store.Get(fhir_store_pb2.GetRequest(resource_type="Patient", id="nobody"))
    assert missing.value.code() == grpc.StatusCode.NOT_FOUND
    stored = json.loads(
        (await store.Put(fhir_store_pb2.PutRequest(resource=study("9.9")))).resource
    )
    with pytest.raises(grpc.aio.AioRpcError) as stale:
        await store.Put(
            fhir_store_pb2.PutRequest(resource=json.dumps(stored).encode(), if_match_version_id="7")
        )
    assert stale.value.code() == grpc.StatusCode.FAILED_PRECONDITION


async def test_transaction_is_atomic_and_resolves_urn_uuid(
    store: fhir_store_pb2_grpc.FhirStoreServiceStub,
) -> None:
    patient_urn = "urn:uuid:5f0c1b6e-0000-4000-8000-000000000001"
    bundle = {
        "resourceType": "Bundle",
        "type": "transaction",
        "entry": [
            {
                "fullUrl": patient_urn,
                "resource": {"resourceType": "Patient", "name": [{"family": "Tx"}]},
                "request": {"method": "POST", "url": "Patient"},
            },
            {
                "resource": {
                    "resourceType": "Observation",
                    "status": "final",
                    "code": {"text": "x"},
                    "subject": {"reference": patient_urn},
                },
                "request": {"method": "POST", "url": "Observation"},
            },
        ],
    }
    response = json.loads(
        (
            await store.Transaction(
                fhir_store_pb2.TransactionRequest(bundle=json.dumps(bundle).encode())
            )
        ).bundle
    )
    assert response["type"] == "transaction-response"
    patient_id = response["entry"][0]["resource"]["id"]
    assert response["entry"][1]["resource"]["subject"]["reference"] == f"Patient/{patient_id}"
    assert [e["response"]["status"] for e in response["entry"]] == ["201", "201"]

    bundle["entry"][1]["resource"]["status"] = "not-a-status-code-but-a-string"
    bundle["entry"][1]["resource"]["effectiveDateTime"] = "not a date"
    with pytest.raises(grpc.aio.AioRpcError) as failed:
        await store.Transaction(
            fhir_store_pb2.TransactionRequest(bundle=json.dumps(bundle).encode())
        )
    assert failed.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "entry 1" in (failed.value.details() or "")
    found = await store.Search(
        fhir_store_pb2.SearchRequest(resource_type="Patient", query="family=Tx")
    )
    assert json.loads(found.bundle)["total"] == 1
