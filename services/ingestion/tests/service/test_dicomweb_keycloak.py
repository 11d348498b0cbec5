"""DICOMweb behind the real Keycloak (scripts/keycloak.sh, the radcds realm): the realm's
service clients get what their SMART scopes grant on ImagingStudy, nothing more."""

import httpx
import pytest
import requests
from dicomweb_client.api import DICOMwebClient
from pydicom import dcmread
from radcds_kit.oidc import DevelopmentIssuer
from radcds_kit.testing.keycloak import AUDIENCE, KeycloakServer

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def base_url(start_ingestion, keycloak: KeycloakServer) -> str:
    ingestion = start_ingestion(RADCDS_KEYCLOAK_URL=keycloak.base_url)
    return f"http://127.0.0.1:{ingestion.dicomweb_port}/dicomweb"


def client(base_url: str, token: str) -> DICOMwebClient:
    return DICOMwebClient(url=base_url, headers={"Authorization": f"Bearer {token}"})


def test_a_service_with_system_cruds_stores_and_reads(
    base_url: str, keycloak: KeycloakServer, write_ct_series
) -> None:
    datasets = [dcmread(path) for path in write_ct_series(2)]
    study_uid = datasets[0].StudyInstanceUID
    # radcds-inference stores its SEG objects beside the study: system/*.cruds.
    inference = client(base_url, keycloak.service_token("radcds-inference"))

    response = inference.store_instances(datasets)

    assert len(response.ReferencedSOPSequence) == 2
    assert len(inference.search_for_instances(study_uid)) == 2
    assert len(inference.retrieve_study(study_uid)) == 2


def test_the_ehr_reads_but_may_not_store(
    base_url: str, keycloak: KeycloakServer, write_ct_series
) -> None:
    [path] = write_ct_series(1)
    dataset = dcmread(path)
    client(base_url, keycloak.service_token("radcds-inference")).store_instances([dataset])
    # radcds-ehr holds system/*.rs.
    ehr = client(base_url, keycloak.service_token("radcds-ehr"))

    assert len(ehr.search_for_instances(dataset.StudyInstanceUID)) == 1
    with pytest.raises(requests.HTTPError) as refused:
        ehr.store_instances([dcmread(write_ct_series(1)[0])])
    assert refused.value.response.status_code == 403


def test_a_client_without_clinical_scopes_is_forbidden(
    base_url: str, keycloak: KeycloakServer
) -> None:
    # radcds-risk is stateless and is granted no clinical-data scope.
    token = keycloak.service_token("radcds-risk")

    response = httpx.get(f"{base_url}/studies", headers={"Authorization": f"Bearer {token}"})

    assert response.status_code == 403


def test_tokens_keycloak_did_not_issue_are_refused(base_url: str) -> None:
    forged = DevelopmentIssuer(environment="development", audience=AUDIENCE).issue(
        subject="intruder", client_id="radcds-ingestion", scopes=["system/*.cruds"]
    )

    response = httpx.get(f"{base_url}/studies", headers={"Authorization": f"Bearer {forged}"})

    assert response.status_code == 401
    assert 'error="invalid_token"' in response.headers["WWW-Authenticate"]
