"""Configuration cannot drift: every RADCDS_* variable a service's settings read is set in
both compose.yaml and the chart's rendered Deployment, or is knowingly left at its default.

The settings are found, not listed: every class in services/<svc>/src/radcds_<svc>/ that
derives from a pydantic-settings class is loaded (its module alone, not its package's
__init__) and its fields become variable names (env_prefix + field name, upper case; a
validation alias wins; properties are not fields). A setting added to a service
therefore fails here until it is set in compose.yaml and the chart, or added to
KNOWINGLY_DEFAULTED with the reason its default is right in every deployment.
"""

import ast
import functools
import importlib.util
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import yaml
from pydantic_settings import BaseSettings

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[2]
CHART = REPO / "charts" / "radcds"
CI_VALUES = sorted((CHART / "ci").glob("*-values.yaml"))
SERVICES = ("gateway", "ingestion", "inference", "risk", "report")

# (service, variable) -> why compose.yaml and the chart leave it at its default. A site that
# needs another value sets it through compose `environment` or the chart's
# components.<service>.settings, and then removes the entry here.
KNOWINGLY_DEFAULTED: dict[tuple[str, str], str] = {
    ("gateway", "RADCDS_DEV_ISSUER_KEY_FILE"): (
        "only read by the development issuer, which is off wherever Keycloak is configured "
        "(compose, production); in development a fresh in-memory key is right"
    ),
    ("gateway", "RADCDS_CDS_APP_URL"): (
        "empty derives {RADCDS_CDS_PUBLIC_BASE_URL}/app, the gateway's own page, which is set"
    ),
    ("gateway", "RADCDS_CDS_JWT_ALGORITHMS"): (
        "ES384 and RS384, which CDS Hooks 2.0 recommends; allowing more is a security decision"
    ),
    ("gateway", "RADCDS_CDS_JWT_LEEWAY_S"): "JWT clock-skew tolerance; protocol tuning",
    ("gateway", "RADCDS_CDS_JWT_MAX_LIFETIME_S"): "the longest client JWT; protocol tuning",
    ("gateway", "RADCDS_CDS_JWKS_MAX_AGE_S"): "JWK Set cache lifetime; protocol tuning",
    ("gateway", "RADCDS_CDS_JWKS_MIN_REFRESH_S"): "JWK Set refetch rate limit; protocol tuning",
    ("gateway", "RADCDS_CDS_BUDGET_S"): "the ~500 ms answer the CDS Hooks spec asks for",
    ("gateway", "RADCDS_CDS_FHIR_TIMEOUT_S"): "a share of the CDS Hooks budget",
    ("gateway", "RADCDS_CDS_RISK_DEADLINE_S"): "a share of the CDS Hooks budget",
    ("gateway", "RADCDS_CDS_FHIR_MAX_PAGES"): "bounds prefetch work within the CDS Hooks budget",
    ("gateway", "RADCDS_CDS_CARD_TTL_S"): "how long card facts are kept for feedback: a week",
    ("gateway", "RADCDS_WEB_FHIR_BASE_URL"): (
        "empty is the gateway's own /fhir beside /app, the FHIR server the pages read"
    ),
    ("gateway", "RADCDS_WEB_LOGIN_TTL_S"): "ten minutes to finish a login; session tuning",
    ("gateway", "RADCDS_WEB_SESSION_TTL_S"): "an eight-hour session, one shift; session policy",
    ("gateway", "RADCDS_WEB_WORKLIST_POLL_S"): "worklist refresh interval; tuning",
    ("gateway", "RADCDS_WEB_REPORT_TIMEOUT_S"): "gRPC deadline for calls to report; tuning",
    ("report", "RADCDS_REPORT_PACS_RETRY_BASE_S"): "delivery retry backoff; tuning",
    ("report", "RADCDS_REPORT_PACS_RETRY_CAP_S"): "delivery retry backoff cap; tuning",
    ("report", "RADCDS_REPORT_PACS_POLL_S"): "outbox poll interval when idle; tuning",
    ("report", "RADCDS_REPORT_PACS_TIMEOUT_S"): "C-STORE network timeouts; tuning",
    ("ingestion", "RADCDS_DEV_ISSUER_KEY_FILE"): (
        "as for the gateway: only the development issuer reads it, off wherever Keycloak is "
        "configured; without it DICOMweb refuses every token, which is safe"
    ),
    ("ingestion", "RADCDS_INGESTION_MAX_ASSOCIATIONS"): (
        "concurrent DICOM associations; 10 suits one PACS and a few modalities"
    ),
    ("ingestion", "RADCDS_INGESTION_MAX_PDU"): (
        "protocol tuning (PS3.8 D.1); the 64 KiB default is what peers negotiate anyway"
    ),
    ("ingestion", "RADCDS_INGESTION_MAX_INSTANCE_BYTES"): (
        "a 2 GiB cap on one instance is a safety bound, not a site choice"
    ),
    ("ingestion", "RADCDS_INGESTION_STABILITY_POLL_S"): (
        "how often stability is checked; the stable age (set) is the site's choice"
    ),
    ("inference", "RADCDS_INFERENCE_ROUTING"): (
        "the routing rules shipped in the package; neither compose nor the chart mounts a "
        "site's own rules file yet"
    ),
    ("inference", "RADCDS_INFERENCE_KEY_PREFIX"): (
        "one deployment per Redis database; only two deployments sharing one need prefixes"
    ),
    ("inference", "RADCDS_INFERENCE_WORKERS"): (
        "scale-out is by replicas in one consumer group, not by workers per process"
    ),
    ("inference", "RADCDS_INFERENCE_MAX_ATTEMPTS"): "dead-letter policy; queue tuning",
    ("inference", "RADCDS_INFERENCE_CLAIM_IDLE_MS"): "XAUTOCLAIM take-over time; queue tuning",
    ("inference", "RADCDS_INFERENCE_BACKOFF_S"): "retry backoff while a peer is not ready",
    ("inference", "RADCDS_INFERENCE_BACKOFF_MAX_S"): "retry backoff cap while a peer is not ready",
    ("inference", "RADCDS_INFERENCE_HANDOVER_IDLE_MS"): "report hand-over retry time; tuning",
    ("inference", "RADCDS_INFERENCE_MAX_SERIES_BYTES"): (
        "a 2 GiB cap on one series is a safety bound, not a site choice"
    ),
    ("inference", "RADCDS_INFERENCE_TRITON_TIMEOUT_S"): (
        "a deadline per inference, generous for the demo models on a CPU"
    ),
    ("report", "RADCDS_REPORT_RISK_TIMEOUT_S"): "a deadline per risk Assess call; tuning",
    ("risk", "RADCDS_RISK_MAX_BUNDLE_BYTES"): "a safety bound on one request, not a site choice",
    ("risk", "RADCDS_RISK_DUPLICATE_WINDOW_DAYS"): (
        "clinical site policy; the documented default holds until a site decides otherwise"
    ),
    ("risk", "RADCDS_RISK_ICH_PROBABILITY_THRESHOLD"): (
        "tied to the deployed ICH model's validation; changed together with the model"
    ),
    ("risk", "RADCDS_RISK_LOOKBACK_LIPIDS_DAYS"): "clinical site policy, documented default",
    ("risk", "RADCDS_RISK_LOOKBACK_VITALS_DAYS"): "clinical site policy, documented default",
    ("risk", "RADCDS_RISK_LOOKBACK_EGFR_DAYS"): "clinical site policy, documented default",
    ("risk", "RADCDS_RISK_LOOKBACK_INR_DAYS"): "clinical site policy, documented default",
    ("risk", "RADCDS_RISK_LOOKBACK_GCS_HOURS"): "clinical site policy, documented default",
    ("risk", "RADCDS_RISK_LOOKBACK_HCG_DAYS"): "clinical site policy, documented default",
    ("risk", "RADCDS_RISK_LOOKBACK_SMOKING_DAYS"): "clinical site policy, documented default",
}

Manifest = dict[str, Any]


def settings_classes(service: str) -> Iterator[tuple[Path, str]]:
    """(file, class name) of each class in the service's package whose bases end in
    "Settings"; the caller keeps those that really are pydantic-settings classes."""
    for path in sorted((REPO / "services" / service / "src").rglob("*.py")):
        tree = ast.parse(path.read_text(), filename=str(path))
        for node in tree.body:
            if isinstance(node, ast.ClassDef) and any(
                ast.unparse(base).split(".")[-1].endswith("Settings") for base in node.bases
            ):
                yield path, node.name


def load_module(path: Path) -> ModuleType:
    """The module at `path`, executed on its own: its package's __init__ (servers, clients,
    generated protos) need not import for its settings to be read."""
    name = "radcds_settings_probe." + ".".join(path.with_suffix("").parts[-3:])
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


@functools.cache
def settings_variables(service: str) -> dict[str, str]:
    """Each environment variable the service's settings read -> the field that reads it."""
    variables: dict[str, str] = {}
    for path, name in settings_classes(service):
        cls = getattr(load_module(path), name)
        if not (isinstance(cls, type) and issubclass(cls, BaseSettings)):
            continue
        prefix = str(cls.model_config.get("env_prefix", ""))
        where = f"{path.relative_to(REPO)}: {name}"
        for field, info in cls.model_fields.items():
            alias = info.validation_alias
            variable = alias if isinstance(alias, str) else f"{prefix}{field}"
            default = info.get_default(call_default_factory=True)
            variables[variable.upper()] = f"{where}.{field} (default {default!r})"
    return variables


def compose_environment(compose: dict[str, Any], service: str) -> set[str]:
    environment = compose["services"][service].get("environment", {})
    if isinstance(environment, list):
        return {item.partition("=")[0] for item in environment}
    return set(environment)


def chart_environment(objects: list[Manifest], service: str) -> set[str] | None:
    """Variables of the service's container; None when the service is not enabled."""
    for manifest in objects:
        labels = manifest["metadata"]["labels"]
        if manifest["kind"] == "Deployment" and labels["app.kubernetes.io/component"] == service:
            container = manifest["spec"]["template"]["spec"]["containers"][0]
            return {env["name"] for env in container.get("env", [])}
    return None


def unset(service: str, variables: dict[str, str], present: set[str]) -> dict[str, str]:
    """The variables neither set nor knowingly defaulted."""
    return {
        variable: field
        for variable, field in variables.items()
        if variable not in present and (service, variable) not in KNOWINGLY_DEFAULTED
    }


def drift_message(service: str, where: str, missing: dict[str, str]) -> str:
    lines = [f"{service}: settings read but not set in {where}:"]
    lines += [f"  {variable}  <- {field}" for variable, field in sorted(missing.items())]
    lines.append(
        f"Set each in compose.yaml (services.{service}.environment) AND in the chart "
        f"(radcds.env in templates/_helpers.tpl, or components.{service}.settings in "
        "values.yaml), or add it to KNOWINGLY_DEFAULTED in "
        "tests/deploy/test_settings_coverage.py with the reason its default is right."
    )
    return "\n".join(lines)


@pytest.mark.parametrize("service", SERVICES)
def test_settings_are_found(service: str) -> None:
    variables = settings_variables(service)
    assert f"RADCDS_{service.upper()}_GRPC_PORT" in variables
    assert "RADCDS_DATA_DIR" in variables


@pytest.mark.parametrize("service", SERVICES)
def test_compose_sets_every_setting(compose: dict[str, Any], service: str) -> None:
    variables = settings_variables(service)
    present = compose_environment(compose, service)
    missing = unset(service, variables, present)
    assert not missing, drift_message(service, "compose.yaml", missing)


@pytest.mark.parametrize("service", SERVICES)
def test_chart_sets_every_setting(manifests: dict[str, list[Manifest]], service: str) -> None:
    variables = settings_variables(service)
    for values, objects in manifests.items():
        present = chart_environment(objects, service)
        if present is None:
            continue
        missing = unset(service, variables, present)
        assert not missing, drift_message(service, f"the chart (ci/{values}-values.yaml)", missing)


def test_knowingly_defaulted_is_exact(
    compose: dict[str, Any], manifests: dict[str, list[Manifest]]
) -> None:
    """Each entry names a setting that exists and that neither compose nor the chart sets."""
    for (service, variable), reason in KNOWINGLY_DEFAULTED.items():
        assert reason.strip()
        assert variable in settings_variables(service), (
            f"{variable} is no longer a setting of {service}: remove it from KNOWINGLY_DEFAULTED"
        )
        assert variable not in compose_environment(compose, service), (
            f"compose.yaml sets {variable}: remove it from KNOWINGLY_DEFAULTED"
        )
        for values, objects in manifests.items():
            assert variable not in (chart_environment(objects, service) or set()), (
                f"the chart sets {variable} (ci/{values}-values.yaml): "
                "remove it from KNOWINGLY_DEFAULTED"
            )


@pytest.mark.parametrize("values_file", ["values.yaml", *(f"ci/{p.name}" for p in CI_VALUES)])
def test_chart_settings_maps_name_real_settings(values_file: str) -> None:
    """A misspelt key in components.<service>.settings would be set and never read."""
    values = yaml.safe_load((CHART / values_file).read_text()) or {}
    for service, component in (values.get("components") or {}).items():
        if service not in SERVICES:
            continue
        unknown = set(component.get("settings") or {}) - set(settings_variables(service))
        assert not unknown, f"{values_file}: components.{service}.settings: {sorted(unknown)}"
