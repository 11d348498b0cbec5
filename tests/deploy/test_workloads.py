"""Every rendered workload meets the restricted Pod Security Standard and has probes,
resources, a PodDisruptionBudget and a NetworkPolicy, in every ci/*-values.yaml."""

from pathlib import Path
from typing import Any

import pytest
from radcds_kit.health import LIVENESS

pytestmark = pytest.mark.integration

CHART = Path(__file__).resolve().parents[2] / "charts" / "radcds"
CI_NAMES = sorted(p.name.removesuffix("-values.yaml") for p in (CHART / "ci").glob("*-values.yaml"))
SERVICES = ("gateway", "ingestion", "inference", "risk", "report")
WORKLOAD_KINDS = ("Deployment", "StatefulSet", "DaemonSet", "Job", "CronJob")
# Pod Security Standards, restricted profile: the volume types it allows.
RESTRICTED_VOLUME_TYPES = {
    "configMap",
    "csi",
    "downwardAPI",
    "emptyDir",
    "ephemeral",
    "persistentVolumeClaim",
    "projected",
    "secret",
}

Manifest = dict[str, Any]


def workloads(objects: list[Manifest]) -> list[Manifest]:
    return [m for m in objects if m["kind"] in WORKLOAD_KINDS]


def component(manifest: Manifest) -> str:
    return str(manifest["metadata"]["labels"]["app.kubernetes.io/component"])


def restricted_violations(pod: Manifest) -> list[str]:
    """What in a pod spec the restricted Pod Security Standard forbids (plus a read-only root
    filesystem, which radcds requires)."""
    problems = []
    for host in ("hostNetwork", "hostPID", "hostIPC"):
        if pod.get(host):
            problems.append(f"{host} is set")
    pod_ctx = pod.get("securityContext", {})
    for volume in pod.get("volumes", []):
        kinds = set(volume) - {"name"}
        if not kinds <= RESTRICTED_VOLUME_TYPES:
            problems.append(f"volume {volume['name']} is {kinds}")
    containers = pod.get("initContainers", []) + pod["containers"]
    for container in containers:
        ctx = container.get("securityContext", {})
        name = container["name"]
        if ctx.get("privileged"):
            problems.append(f"{name}: privileged")
        if ctx.get("allowPrivilegeEscalation") is not False:
            problems.append(f"{name}: allowPrivilegeEscalation is not false")
        if ctx.get("capabilities", {}).get("drop") != ["ALL"]:
            problems.append(f"{name}: capabilities do not drop ALL")
        if set(ctx.get("capabilities", {}).get("add", [])) - {"NET_BIND_SERVICE"}:
            problems.append(f"{name}: adds capabilities")
        if not (ctx.get("runAsNonRoot") or pod_ctx.get("runAsNonRoot")):
            problems.append(f"{name}: runAsNonRoot is not true")
        if ctx.get("runAsUser", pod_ctx.get("runAsUser")) == 0:
            problems.append(f"{name}: runs as uid 0")
        seccomp = ctx.get("seccompProfile", pod_ctx.get("seccompProfile", {}))
        if seccomp.get("type") not in ("RuntimeDefault", "Localhost"):
            problems.append(f"{name}: seccompProfile is not RuntimeDefault")
        if ctx.get("readOnlyRootFilesystem") is not True:
            problems.append(f"{name}: root filesystem is writable")
        if any("hostPort" in port for port in container.get("ports", [])):
            problems.append(f"{name}: uses a hostPort")
    return problems


@pytest.mark.parametrize("values", CI_NAMES)
def test_restricted_pod_security(manifests: dict[str, list[Manifest]], values: str) -> None:
    objects = workloads(manifests[values])
    assert objects
    for workload in objects:
        pod = workload["spec"]["template"]["spec"]
        assert restricted_violations(pod) == [], workload["metadata"]["name"]
        assert pod["automountServiceAccountToken"] is False


@pytest.mark.parametrize("values", CI_NAMES)
def test_probes_and_resources(manifests: dict[str, list[Manifest]], values: str) -> None:
    for workload in workloads(manifests[values]):
        for container in workload["spec"]["template"]["spec"]["containers"]:
            where = f"{workload['metadata']['name']}/{container['name']}"
            for probe in ("startupProbe", "readinessProbe", "livenessProbe"):
                assert probe in container, f"{where} has no {probe}"
            if component(workload) in SERVICES:
                grpc_port = next(p for p in container["ports"] if p["name"] == "grpc")
                port = grpc_port["containerPort"]
                # Readiness follows the dependency checks; liveness only the process
                # (radcds_kit.health.LIVENESS), so Redis being away restarts nothing.
                assert container["readinessProbe"]["grpc"] == {"port": port}
                assert container["livenessProbe"]["grpc"] == {"port": port, "service": LIVENESS}
            resources = container["resources"]
            assert {"cpu", "memory"} <= set(resources["requests"]), where
            assert {"cpu", "memory"} <= set(resources["limits"]), where


@pytest.mark.parametrize("values", CI_NAMES)
def test_every_workload_has_a_pdb_and_a_network_policy(
    manifests: dict[str, list[Manifest]], values: str
) -> None:
    objects = manifests[values]
    for kind in ("PodDisruptionBudget", "NetworkPolicy"):
        selectors = [
            m["spec"]["selector" if kind == "PodDisruptionBudget" else "podSelector"]["matchLabels"]
            for m in objects
            if m["kind"] == kind
        ]
        for workload in workloads(objects):
            labels = workload["spec"]["template"]["metadata"]["labels"]
            covering = [s for s in selectors if s.items() <= labels.items()]
            assert covering, f"{workload['metadata']['name']} has no {kind}"


@pytest.mark.parametrize("values", CI_NAMES)
def test_network_policies_follow_the_call_graph(
    manifests: dict[str, list[Manifest]], values: str
) -> None:
    """risk calls nothing: its only egress is DNS (and OTLP when configured)."""
    policies = {
        m["metadata"]["labels"]["app.kubernetes.io/component"]: m
        for m in manifests[values]
        if m["kind"] == "NetworkPolicy"
    }
    risk_egress = policies["risk"]["spec"]["egress"]
    ports = {p["port"] for rule in risk_egress for p in rule["ports"]}
    assert ports <= {53, 4317, 4318}
    callers = {
        rule["from"][0]["podSelector"]["matchLabels"]["app.kubernetes.io/component"]
        for rule in policies["risk"]["spec"]["ingress"]
    }
    assert callers == {"gateway", "report"}


def test_triton_gets_a_gpu_node(manifests: dict[str, list[Manifest]]) -> None:
    triton = next(
        m for m in manifests["production"] if m["kind"] == "Deployment" and component(m) == "triton"
    )
    pod = triton["spec"]["template"]["spec"]
    limits = pod["containers"][0]["resources"]["limits"]
    assert limits["nvidia.com/gpu"] >= 1
    assert pod["nodeSelector"]["nvidia.com/gpu.present"] == "true"
    assert any(t["key"] == "nvidia.com/gpu" for t in pod["tolerations"])
    assert any(a.startswith("--model-repository=s3://") for a in pod["containers"][0]["args"])
