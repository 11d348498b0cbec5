"""DICOMweb bearer tokens with the development issuer: 401 (RFC 6750) for a missing, forged
or expired token, 403 for scopes that do not grant the transaction on ImagingStudy, and no
development issuer in production."""

from pathlib import Path
from typing import Any

import httpx
import pytest
import requests
from dicomweb_client.api import DICOMwebClient
from pydicom import dcmread
from radcds_kit.oidc import DevelopmentIssuer
from radcds_kit.testing.keycloak import AUDIENCE
from radcds_kit.testing.servers import free_port
from radcds_kit.testing.services import ServiceProcess

pytestmark = pytest.mark.integration

CALLER: dict[str, Any] = {"subject": "test-caller", "client_id": "test-caller"}


@pytest.fixture
def base_url(ingestion) -> str:
    return f"http://127.0.0.1:{ingestion.dicomweb_port}/dicomweb"


@pytest.fixture
def issuer(dev_issuer: tuple[DevelopmentIssuer, Path]) -> DevelopmentIssuer:
    return dev_issuer[0]


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_no_token_is_challenged(base_url: str) -> None:
    response = httpx.get(f"{base_url}/studies")

    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == 'Bearer realm="radcds"'


@pytest.mark.parametrize(
    "token_of",
    [
        pytest.param(
            lambda _: DevelopmentIssuer(environment="development", audience=AUDIENCE).issue(
                scopes=["system/*.cruds"], **CALLER
            ),
            id="signed-by-another-key",
        ),
        pytest.param(
            lambda issuer: issuer.issue(scopes=["system/*.cruds"], lifetime_s=-120, **CALLER),
            id="expired",
        ),
        pytest.param(
            lambda issuer: issuer.issue(scopes=["system/*.cruds"], **CALLER)[:-4] + "AAAA",
            id="signature-altered",
        ),
        pytest.param(lambda _: "not-a-jwt", id="garbage"),
    ],
)
def test_invalid_tokens_are_refused(
    base_url: str, issuer: DevelopmentIssuer, write_ct_series, token_of
) -> None:
    token = token_of(issuer)
    [path] = write_ct_series(1)

    searched = httpx.get(f"{base_url}/studies", headers=bearer(token))
    stored = DICOMwebClient(url=base_url, headers=bearer(token))

    assert searched.status_code == 401
    assert searched.headers["WWW-Authenticate"] == 'Bearer realm="radcds", error="invalid_token"'
    with pytest.raises(requests.HTTPError) as refused:
        stored.store_instances([dcmread(path)])
    assert refused.value.response.status_code == 401


def test_a_read_scope_searches_and_retrieves_but_may_not_store(
    base_url: str, issuer: DevelopmentIssuer, dicomweb_token: str, write_ct_series
) -> None:
    [path] = write_ct_series(1)
    dataset = dcmread(path)
    DICOMwebClient(url=base_url, headers=bearer(dicomweb_token)).store_instances([dataset])
    reader = DICOMwebClient(
        url=base_url, headers=bearer(issuer.issue(scopes=["user/ImagingStudy.rs"], **CALLER))
    )

    assert len(reader.search_for_instances(dataset.StudyInstanceUID)) == 1
    assert reader.retrieve_study(dataset.StudyInstanceUID)[0].SOPInstanceUID == (
        dataset.SOPInstanceUID
    )
    with pytest.raises(requests.HTTPError) as refused:
        reader.store_instances([dcmread(write_ct_series(1)[0])])
    assert refused.value.response.status_code == 403
    challenge = refused.value.response.headers["WWW-Authenticate"]
    assert challenge == 'Bearer realm="radcds", error="insufficient_scope"'


@pytest.mark.parametrize(
    ("scopes", "patient"),
    [
        pytest.param(["system/ImagingStudy.c"], None, id="store-only"),
        pytest.param(["system/Observation.rs"], None, id="another-resource"),
        pytest.param(["openid", "profile"], None, id="no-resource-scope"),
        pytest.param(["patient/ImagingStudy.rs"], "any-patient", id="patient-scope"),
    ],
)
def test_scopes_that_do_not_grant_search_are_forbidden(
    base_url: str, issuer: DevelopmentIssuer, scopes: list[str], patient: str | None
) -> None:
    token = issuer.issue(scopes=scopes, patient=patient, **CALLER)

    response = httpx.get(f"{base_url}/studies", headers=bearer(token))

    assert response.status_code == 403


def production_env(ingestion_env: dict[str, str], tmp_path: Path) -> dict[str, str]:
    return {
        **ingestion_env,
        "RADCDS_ENVIRONMENT": "production",
        "RADCDS_DATA_DIR": str(tmp_path / "var"),
        "RADCDS_INGESTION_DIMSE_PORT": str(free_port()),
        "RADCDS_INGESTION_DICOMWEB_PORT": str(free_port()),
    }


def test_production_without_keycloak_does_not_start(
    ingestion_env: dict[str, str], tmp_path: Path
) -> None:
    env = production_env(ingestion_env, tmp_path)
    without_keycloak = ServiceProcess("ingestion", env).start()
    with pytest.raises(RuntimeError, match="exited"):
        without_keycloak.wait_serving(timeout_s=120)

    # The same settings with a Keycloak URL start: the development issuer was the refusal.
    with_keycloak = ServiceProcess(
        "ingestion", {**env, "RADCDS_KEYCLOAK_URL": f"http://127.0.0.1:{free_port()}"}
    ).start()
    try:
        with_keycloak.wait_serving(timeout_s=120)
    finally:
        with_keycloak.stop()
