"""Fixtures of the deployment checks: helm from scripts/helm-tools.sh, the chart rendered
once per ci/*-values.yaml, compose.yaml parsed.

Helm refuses to render a chart whose Chart.yaml declares dependencies that are not in its
charts/ folder, even disabled ones, and the optional bitnami charts cannot be fetched here.
The chart is therefore rendered from a copy without the `dependencies` block, which is what
Helm renders when every dependency's condition is false; test_chart.py checks that every
ci values file keeps them false.
"""

import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
CHART = REPO / "charts" / "radcds"
CI_VALUES = sorted((CHART / "ci").glob("*-values.yaml"))
RELEASE = "radcds"
SERVICES = ("gateway", "ingestion", "inference", "risk", "report")

Manifest = dict[str, Any]


@pytest.fixture(scope="session")
def helm() -> Path:
    """helm 3 in .tools/bin, installed by scripts/helm-tools.sh when missing."""
    script = REPO / "scripts" / "helm-tools.sh"
    done = subprocess.run([str(script)], capture_output=True, text=True, check=False)
    if done.returncode != 0:
        pytest.fail(f"scripts/helm-tools.sh failed:\n{done.stderr}")
    return Path(done.stdout.strip().splitlines()[-1]) / "helm"


@pytest.fixture(scope="session")
def renderable_chart(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the chart without its optional dependencies (see the module docstring)."""
    copy = tmp_path_factory.mktemp("chart") / "radcds"
    shutil.copytree(CHART, copy)
    chart_yaml = copy / "Chart.yaml"
    meta = yaml.safe_load(chart_yaml.read_text())
    meta.pop("dependencies", None)
    chart_yaml.write_text(yaml.safe_dump(meta, sort_keys=False))
    return copy


Render = Callable[..., subprocess.CompletedProcess[str]]


@pytest.fixture(scope="session")
def render(helm: Path, renderable_chart: Path) -> Render:
    """render(values_file_or_None, "key=value", ...): `helm template` of the chart."""

    def template(values: Path | None = None, *sets: str) -> subprocess.CompletedProcess[str]:
        command = [str(helm), "template", RELEASE, str(renderable_chart), "--namespace", "radcds"]
        if values is not None:
            command += ["--values", str(values)]
        for item in sets:
            command += ["--set", item]
        return subprocess.run(command, capture_output=True, text=True, check=False)

    return template


@pytest.fixture(scope="session")
def rendered(render: Render) -> dict[str, str]:
    """The chart rendered with each ci/*-values.yaml, by file name without -values.yaml."""
    result = {}
    for values in CI_VALUES:
        done = render(values)
        if done.returncode != 0:
            pytest.fail(f"helm template with {values.name} failed:\n{done.stderr}")
        result[values.name.removesuffix("-values.yaml")] = done.stdout
    return result


@pytest.fixture(scope="session")
def manifests(rendered: dict[str, str]) -> dict[str, list[Manifest]]:
    """The rendered objects of each ci values file."""
    return {name: [m for m in yaml.safe_load_all(text) if m] for name, text in rendered.items()}


@pytest.fixture(scope="session")
def compose() -> dict[str, Any]:
    """compose.yaml as YAML (anchors and merge keys resolved, variables not interpolated)."""
    loaded: dict[str, Any] = yaml.safe_load((REPO / "compose.yaml").read_text())
    return loaded
