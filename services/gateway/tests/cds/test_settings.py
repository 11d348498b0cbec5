"""CdsSettings is a mixin for GatewaySettings, read from RADCDS_* variables; algorithms the
spec forbids ("JWT Signing Algorithm": none, HMAC) cannot be configured."""

import pytest
from pydantic import ValidationError
from radcds_gateway.cds import CdsSettings
from radcds_gateway.settings import GatewaySettings


class Settings(GatewaySettings, CdsSettings):
    pass


def test_cds_settings_mix_into_the_gateway_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(
        "RADCDS_CDS_TRUSTED_ISSUERS", '{"https://ehr.test": "https://ehr.test/jwks"}'
    )
    monkeypatch.setenv("RADCDS_CDS_JWT_ALGORITHMS", '["ES384", "ES256"]')
    monkeypatch.setenv("RADCDS_CDS_PUBLIC_BASE_URL", "https://radcds.test/")
    settings = Settings()
    assert settings.cds_trusted_issuers == {"https://ehr.test": "https://ehr.test/jwks"}
    assert settings.cds_jwt_algorithms == ["ES384", "ES256"]
    assert settings.cds_public_base_url == "https://radcds.test"
    assert settings.risk_grpc_address


@pytest.mark.parametrize("algorithm", ["none", "HS256", "HS384", "PS256"])
def test_forbidden_algorithms_cannot_be_configured(algorithm: str) -> None:
    with pytest.raises(ValidationError):
        CdsSettings(cds_jwt_algorithms=[algorithm])
