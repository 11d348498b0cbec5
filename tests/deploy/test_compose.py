"""compose.yaml: valid against the Compose Specification's JSON schema, healthchecks and
depends_on on health, secrets only from the environment, ports and settings in .env."""

import json
import re
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema
import pytest

pytestmark = pytest.mark.unit

REPO = Path(__file__).resolve().parents[2]
SERVICES = ("gateway", "ingestion", "inference", "risk", "report")
INFRASTRUCTURE = {"redis", "postgres", "keycloak", "triton", "triton-cpu", "otel-collector"}
INFRASTRUCTURE |= {"jaeger", "orthanc"}
# Variables that hold secrets: compose must require them from the environment.
SECRETS = ("POSTGRES_PASSWORD", "REDIS_PASSWORD", "KEYCLOAK_ADMIN_PASSWORD", "ORTHANC_PASSWORD")
SECRET_WORDS = re.compile(r"PASSWORD|SECRET|TOKEN|CREDENTIAL|PRIVATE_KEY", re.IGNORECASE)
INTERPOLATION = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::?([-?+])([^}]*))?\}")

Compose = dict[str, Any]


def compose_schema() -> dict[str, Any]:
    """The Compose Specification schema that check-jsonschema ships (vendor.compose-spec)."""
    vendor = resources.files("check_jsonschema") / "builtin_schemas" / "vendor"
    schema: dict[str, Any] = json.loads((vendor / "compose-spec.json").read_text())
    return schema


def dotenv() -> dict[str, str]:
    entries = {}
    for line in (REPO / ".env").read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            key, _, value = line.partition("=")
            entries[key.strip()] = value.strip()
    return entries


def test_compose_matches_the_compose_specification(compose: Compose) -> None:
    jsonschema.validate(compose, compose_schema())


def test_every_part_of_the_suite_is_there(compose: Compose) -> None:
    assert set(compose["services"]) == {*SERVICES, *INFRASTRUCTURE}


@pytest.mark.parametrize("service", SERVICES)
def test_radcds_services_are_locked_down(compose: Compose, service: str) -> None:
    spec = compose["services"][service]
    assert spec["build"] == {"context": ".", "dockerfile": f"services/{service}/Dockerfile"}
    assert spec["read_only"] is True
    assert spec["tmpfs"] == ["/tmp"]
    assert spec["cap_drop"] == ["ALL"]
    assert "no-new-privileges:true" in spec["security_opt"]
    assert [v.split(":")[1] for v in spec["volumes"]] == ["/data"]
    assert spec["environment"]["RADCDS_DATA_DIR"] == "/data"
    assert spec["environment"]["RADCDS_BIND_HOST"] == "0.0.0.0"


@pytest.mark.parametrize("service", SERVICES)
def test_grpc_healthchecks_ask_the_service_own_port(compose: Compose, service: str) -> None:
    spec = compose["services"][service]
    test = spec["healthcheck"]["test"]
    assert test[:3] == ["CMD", "python", "-c"]
    assert "grpc_health.v1" in test[3]
    assert test[4] == str(spec["environment"][f"RADCDS_{service.upper()}_GRPC_PORT"])


def test_dependencies_wait_for_health(compose: Compose) -> None:
    services = compose["services"]
    for name, spec in services.items():
        for dependency, condition in spec.get("depends_on", {}).items():
            assert dependency in services, (name, dependency)
            wanted = condition["condition"]
            if wanted == "service_healthy":
                assert "healthcheck" in services[dependency], (name, dependency)
            else:
                # Only the telemetry pair has no healthcheck: their images have no shell.
                assert dependency in ("otel-collector", "jaeger"), (name, dependency, wanted)


def test_every_service_with_a_healthcheck_but_telemetry(compose: Compose) -> None:
    missing = {n for n, s in compose["services"].items() if "healthcheck" not in s}
    assert missing == {"otel-collector", "jaeger"}


def test_triton_reserves_a_gpu_and_has_a_cpu_profile(compose: Compose) -> None:
    gpu = compose["services"]["triton"]
    assert gpu["profiles"] == ["gpu"]
    devices = gpu["deploy"]["resources"]["reservations"]["devices"]
    assert devices[0]["capabilities"] == ["gpu"]
    assert devices[0]["driver"] == "nvidia"
    cpu = compose["services"]["triton-cpu"]
    assert cpu["profiles"] == ["cpu"]
    assert "deploy" not in cpu
    assert cpu["networks"]["default"]["aliases"] == ["triton"]
    assert gpu["image"] == cpu["image"]
    assert gpu["image"].startswith("${TRITON_IMAGE:-nvcr.io/")


def test_keycloak_imports_the_repository_realm(compose: Compose) -> None:
    volumes = compose["services"]["keycloak"]["volumes"]
    realm = "./deploy/keycloak/radcds-realm.json:/opt/keycloak/data/import/radcds-realm.json:ro"
    assert realm in volumes
    assert "--import-realm" in compose["services"]["keycloak"]["command"]


def test_secrets_are_required_from_the_environment() -> None:
    text = (REPO / "compose.yaml").read_text()
    for name, operator, _ in INTERPOLATION.findall(text):
        if name in SECRETS:
            assert operator == "?", f"${{{name}}} must be required with ${{{name}:?message}}"
    for secret in SECRETS:
        assert f"${{{secret}:?" in text, f"{secret} is not required"


def test_dotenv_holds_no_secrets() -> None:
    leaked = [key for key in dotenv() if SECRET_WORDS.search(key)]
    assert leaked == [], "secrets belong in the environment, not in .env"


def test_every_interpolated_variable_has_a_value_or_is_a_secret() -> None:
    """Each ${VAR} is set in .env, has a default, or is a required secret."""
    known = set(dotenv())
    for name, operator, _ in INTERPOLATION.findall((REPO / "compose.yaml").read_text()):
        assert name in known or operator in ("-", "?"), f"${{{name}}} has no value"


def test_published_ports_listen_where_dotenv_says(compose: Compose) -> None:
    for name, spec in compose["services"].items():
        for port in spec.get("ports", []):
            assert port.startswith("${PUBLISH_ADDRESS:-127.0.0.1}:"), (name, port)
