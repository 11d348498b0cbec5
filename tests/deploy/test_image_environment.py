"""What each image's build stage installs, installed here without Docker: the Dockerfile's own
`uv sync` commands run into a fresh virtual environment, which must then import
`python -m radcds_<service>`'s module. This catches a dependency a service imports but does
not declare (the development environment has every package of the workspace)."""

import os
import re
import shlex
import subprocess
from pathlib import Path

import pytest

pytestmark = [pytest.mark.integration, pytest.mark.timeout(900)]

REPO = Path(__file__).resolve().parents[2]
SERVICES = ("gateway", "ingestion", "inference", "risk", "report")


def dockerfile_syncs(service: str) -> list[list[str]]:
    text = re.sub(r"\\\n", " ", (REPO / "services" / service / "Dockerfile").read_text())
    runs = [line.strip()[len("RUN ") :] for line in text.splitlines() if line.startswith("RUN ")]
    commands = [part for run in runs for part in run.split("&&") if "uv sync" in part]
    return [shlex.split(command[command.index("uv sync") :]) for command in commands]


@pytest.mark.parametrize("service", SERVICES)
def test_the_image_environment_runs_the_service(service: str, tmp_path: Path) -> None:
    venv = tmp_path / "venv"
    env = {**os.environ, "UV_PROJECT_ENVIRONMENT": str(venv), "UV_PYTHON_DOWNLOADS": "never"}
    env.pop("VIRTUAL_ENV", None)
    for command in dockerfile_syncs(service):
        done = subprocess.run(
            [*command, "--quiet"], cwd=REPO, env=env, capture_output=True, text=True, check=False
        )
        assert done.returncode == 0, f"{' '.join(command)}:\n{done.stderr}"
    imported = subprocess.run(
        [str(venv / "bin" / "python"), "-c", f"import radcds_{service}.__main__"],
        cwd=tmp_path,
        env={"PATH": os.environ["PATH"]},
        capture_output=True,
        text=True,
        check=False,
    )
    assert imported.returncode == 0, imported.stderr
