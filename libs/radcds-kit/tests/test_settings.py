import pytest
from pydantic import ValidationError
from radcds_kit.settings import RadcdsSettings, local_grpc_address

pytestmark = pytest.mark.unit


def test_settings_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RADCDS_ENVIRONMENT", "production")
    monkeypatch.setenv("RADCDS_LOG_LEVEL", "WARNING")
    settings = RadcdsSettings()
    assert settings.production
    assert settings.log_level == "WARNING"


def test_an_invalid_setting_is_refused_at_start(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RADCDS_ENVIRONMENT", "staging")
    with pytest.raises(ValidationError, match="environment"):
        RadcdsSettings()


def test_settings_are_immutable() -> None:
    settings = RadcdsSettings()
    with pytest.raises(ValidationError):
        settings.log_level = "DEBUG"  # type: ignore[misc]


def test_default_addresses_follow_the_design_ports() -> None:
    assert local_grpc_address("gateway") == "127.0.0.1:50050"
    assert local_grpc_address("report") == "127.0.0.1:50054"
