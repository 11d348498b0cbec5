"""charts/radcds: helm lint, helm template | kubernetes-validate --strict for every
ci/*-values.yaml and every supported Kubernetes version, and the values the chart refuses."""

import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

pytestmark = pytest.mark.integration

CHART = Path(__file__).resolve().parents[2] / "charts" / "radcds"
CI_VALUES = sorted((CHART / "ci").glob("*-values.yaml"))
# The Kubernetes minor versions the chart supports (Chart.yaml kubeVersion is the floor);
# kubernetes-validate ships the schemas of each.
KUBERNETES_VERSIONS = ("1.33.0", "1.34.0", "1.35.0", "1.36.0", "1.37.0")
# Custom resources whose schemas kubernetes-validate does not carry.
CUSTOM_KINDS = {("monitoring.coreos.com/v1", "ServiceMonitor")}

Render = Callable[..., subprocess.CompletedProcess[str]]


def values_name(path: Path) -> str:
    return path.name.removesuffix("-values.yaml")


def test_there_are_ci_configurations() -> None:
    assert {values_name(p) for p in CI_VALUES} >= {"default", "production", "minimal"}


@pytest.mark.parametrize("values", CI_VALUES, ids=values_name)
def test_helm_lint(helm: Path, values: Path) -> None:
    done = subprocess.run(
        [str(helm), "lint", str(CHART), "--values", str(values)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "[ERROR]" not in done.stdout, done.stdout


@pytest.mark.parametrize("values", CI_VALUES, ids=values_name)
def test_optional_dependencies_stay_off(values: Path) -> None:
    """The copy the tests render drops Chart.yaml's dependencies; that equals the real chart
    only while each dependency's condition is false."""
    chart = yaml.safe_load((CHART / "Chart.yaml").read_text())
    defaults = yaml.safe_load((CHART / "values.yaml").read_text())
    overrides = yaml.safe_load(values.read_text()) or {}
    for dependency in chart["dependencies"]:
        key, flag = dependency["condition"].split(".")
        assert flag == "enabled"
        enabled = overrides.get(key, {}).get("enabled", defaults[key]["enabled"])
        assert enabled is False, f"{values.name} enables {key}, which cannot be rendered here"


@pytest.mark.parametrize("version", KUBERNETES_VERSIONS)
@pytest.mark.parametrize("values", CI_VALUES, ids=values_name)
def test_kubernetes_validate_strict(rendered: dict[str, str], values: Path, version: str) -> None:
    done = subprocess.run(
        ["kubernetes-validate", "--strict", "--quiet", "-k", version, "-"],
        input=rendered[values_name(values)],
        capture_output=True,
        text=True,
        check=False,
    )
    output = done.stdout + done.stderr
    assert done.returncode == 0, output
    unexpected = [
        line
        for line in output.splitlines()
        if line.strip() and not any(kind in line for _, kind in CUSTOM_KINDS)
    ]
    assert not unexpected, output


def test_only_known_custom_resources(manifests: dict[str, list[dict[str, Any]]]) -> None:
    builtin_groups = ("v1", "apps/v1", "autoscaling/v2", "policy/v1", "networking.k8s.io/v1")
    for name, objects in manifests.items():
        for manifest in objects:
            key = (manifest["apiVersion"], manifest["kind"])
            assert manifest["apiVersion"] in builtin_groups or key in CUSTOM_KINDS, (name, key)


@pytest.mark.parametrize(
    ("sets", "message"),
    [
        (("postgresql.external.host=",), "needs PostgreSQL"),
        (("keycloak.external.url=",), "needs Keycloak"),
        (("redis.external.host=",), "need Redis"),
        (("ingress.enabled=true", "ingress.tls.secretName="), "needs ingress.tls.secretName"),
        (("components.ingestion.replicas=2",), "ReadWriteOnce volume"),
        (("components.triton.enabled=false",), "inference needs Triton"),
        (("components.risk.debug=true",), "Additional property debug is not allowed"),
        (("environment=staging",), "environment"),
        (("containerSecurityContext.readOnlyRootFilesystem=false",), "readOnlyRootFilesystem"),
        (("components.risk.settings.NOT_RADCDS=1",), "NOT_RADCDS"),
    ],
)
def test_chart_refuses(render: Render, sets: tuple[str, ...], message: str) -> None:
    done = render(CHART / "ci" / "default-values.yaml", *sets)
    assert done.returncode != 0, f"rendered with {sets}"
    assert message in done.stderr, done.stderr


def test_production_refuses_the_development_fallbacks(render: Render) -> None:
    """Without ci values the chart is production and has no database, Redis or Keycloak."""
    done = render(None)
    assert done.returncode != 0
    assert "environment=production" in done.stderr or "need Redis" in done.stderr


def test_secrets_are_references(manifests: dict[str, list[dict[str, Any]]]) -> None:
    """The chart creates no Secret, and passwords reach pods only through secretKeyRef."""
    for name, objects in manifests.items():
        assert not [m for m in objects if m["kind"] == "Secret"], name
        for deployment in (m for m in objects if m["kind"] == "Deployment"):
            for container in deployment["spec"]["template"]["spec"]["containers"]:
                for env in container.get("env", []):
                    if "PASSWORD" in env["name"] or "SECRET" in env["name"]:
                        assert "secretKeyRef" in env.get("valueFrom", {}), (name, env)


@pytest.mark.parametrize(
    "sets",
    [
        pytest.param(
            (
                "components.ingestion.dicomService.type=NodePort",
                "components.ingestion.dicomService.nodePorts.dimse=30112",
                "components.ingestion.dicomService.nodePorts.dicomweb=30081",
            ),
            id="dicom-nodeport",
        ),
        pytest.param(
            (
                "components.triton.enabled=false",
                "components.inference.tritonGrpcAddress=triton.ml.svc:8001",
                "keycloak.external.url=https://id.example.org:8443",
            ),
            id="external-triton",
        ),
        pytest.param(
            ("networkPolicy.enabled=false", "components.risk.enabled=false"),
            id="no-policies-no-risk",
        ),
    ],
)
def test_variants_validate(render: Render, sets: tuple[str, ...]) -> None:
    done = render(CHART / "ci" / "default-values.yaml", *sets)
    assert done.returncode == 0, done.stderr
    validated = subprocess.run(
        ["kubernetes-validate", "--strict", "--quiet", "-k", KUBERNETES_VERSIONS[0], "-"],
        input=done.stdout,
        capture_output=True,
        text=True,
        check=False,
    )
    assert validated.returncode == 0, validated.stdout + validated.stderr


def test_external_triton_and_a_keycloak_port(render: Render) -> None:
    done = render(
        CHART / "ci" / "default-values.yaml",
        "components.triton.enabled=false",
        "components.inference.tritonGrpcAddress=triton.ml.svc:8001",
        "keycloak.external.url=https://id.example.org:8443",
    )
    assert done.returncode == 0, done.stderr
    objects = {(m["kind"], m["metadata"]["name"]): m for m in yaml.safe_load_all(done.stdout) if m}
    assert ("Deployment", "radcds-triton") not in objects
    inference = objects[("Deployment", "radcds-inference")]["spec"]["template"]["spec"]
    env = inference["containers"][0]["env"]
    assert {"name": "RADCDS_TRITON_GRPC_ADDRESS", "value": "triton.ml.svc:8001"} in env
    for policy, port in (("radcds-inference", 8001), ("radcds-gateway", 8443)):
        egress = objects[("NetworkPolicy", policy)]["spec"]["egress"]
        assert port in {p["port"] for rule in egress for p in rule["ports"]}
