"""`radcds up` brings the whole suite to SERVING; `radcds status` reports it;
SIGTERM stops everything and leaves no process behind."""

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from radcds_kit.health import health_status
from radcds_kit.ports import free_port

from radcds_cli.suite import SuiteSettings

pytestmark = pytest.mark.e2e

SERVICES = ("gateway", "ingestion", "inference", "risk", "report")


def suite_env(tmp_path: Path, redis_url: str) -> dict[str, str]:
    env = {**os.environ, "RADCDS_DATA_DIR": str(tmp_path / "var"), "RADCDS_REDIS_URL": redis_url}
    for variable in SuiteSettings.port_variables():
        env[variable] = str(free_port())
    env["RADCDS_INGESTION_MIN_FREE_BYTES"] = "0"
    return env


def radcds(*args: str) -> list[str]:
    return [sys.executable, "-m", "radcds_cli", *args]


def children_of(pid: int) -> list[int]:
    out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(pid)], capture_output=True, text=True)
    return [int(p) for p in out.stdout.split()]


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie is gone for every purpose but the process table.
    return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"


@pytest.fixture
def up_options() -> tuple[str, ...]:
    return ()


@pytest.fixture
def suite(
    tmp_path: Path, redis_url: str, up_options: tuple[str, ...]
) -> Iterator[tuple[subprocess.Popen[bytes], dict[str, str]]]:
    """`radcds up`, what it prints kept in up.out beside the data folder."""
    env = suite_env(tmp_path, redis_url)
    with (tmp_path / "up.out").open("wb") as output:
        command = radcds("up", *up_options)
        process = subprocess.Popen(command, env=env, stdout=output, stderr=output)
        yield process, env
        if process.poll() is None:
            process.kill()
            process.wait()


def wait_all_serving(env: dict[str, str], timeout_s: float = 90) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        statuses = [
            health_status(f"127.0.0.1:{env[f'RADCDS_{s.upper()}_GRPC_PORT']}") for s in SERVICES
        ]
        if all(status == "SERVING" for status in statuses):
            return
        time.sleep(0.5)
    raise AssertionError(f"not all SERVING: {dict(zip(SERVICES, statuses, strict=True))}")


@pytest.mark.parametrize("up_options", [("--logs",)])
def test_up_serves_all_status_reports_and_sigterm_leaves_nothing(
    suite: tuple[subprocess.Popen[bytes], dict[str, str]],
) -> None:
    process, env = suite
    wait_all_serving(env)

    status = subprocess.run(radcds("status"), env=env, capture_output=True, text=True)
    assert status.returncode == 0, status.stdout
    assert status.stdout.count("SERVING") == len(SERVICES)

    services = children_of(process.pid)
    assert len(services) == len(SERVICES) + 1  # and tritonserver
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=60) == 0
    assert not [pid for pid in services if alive(pid)]

    status = subprocess.run(radcds("status"), env=env, capture_output=True, text=True)
    assert status.returncode == 1
    assert status.stdout.count("UNREACHABLE") == len(SERVICES)
    # --logs: the services' logs on the terminal, not in files.
    printed = (Path(env["RADCDS_DATA_DIR"]).parent / "up.out").read_text()
    assert '"service": "gateway"' in printed
    assert not (Path(env["RADCDS_DATA_DIR"]) / "log").exists()


def test_a_killed_service_is_restarted(
    suite: tuple[subprocess.Popen[bytes], dict[str, str]],
) -> None:
    process, env = suite
    wait_all_serving(env)
    risk_address = f"127.0.0.1:{env['RADCDS_RISK_GRPC_PORT']}"
    before = set(children_of(process.pid))
    risk_pid = next(
        pid for pid in before if "radcds_risk" in Path(f"/proc/{pid}/cmdline").read_text()
    )
    os.kill(risk_pid, signal.SIGKILL)
    wait_all_serving(env)
    assert health_status(risk_address) == "SERVING"
    assert risk_pid not in children_of(process.pid)
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=60) == 0

    # Each process logs to its own file; the restart warning shows the crashed run's last lines.
    log_dir = Path(env["RADCDS_DATA_DIR"]) / "log"
    assert {"triton.log", "risk.log", "gateway.log"} <= {p.name for p in log_dir.iterdir()}
    assert (log_dir / "risk.log").read_text().count('"message": "serving"') == 2
    printed = (Path(env["RADCDS_DATA_DIR"]).parent / "up.out").read_text().splitlines()
    warning = f"risk exited with -{signal.SIGKILL.value}; restarting (log: {log_dir / 'risk.log'})"
    assert warning in printed
    assert any(line.startswith('  risk| {"time": ') for line in printed)
    assert not [line for line in printed if line.startswith("{")], "a service logged here"


def test_the_supervisor_logs_each_child_to_a_file_and_shows_a_crash_s_last_lines(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    from radcds_cli.supervisor import Supervisor

    crash = "import sys; print('step 1', flush=True); sys.exit('step 2 failed')"
    log_dir = tmp_path / "log"
    supervisor = Supervisor({"crasher": ([sys.executable, "-c", crash], {})}, log_dir=log_dir,
                            max_log_bytes=20, grace_s=5)  # fmt: skip
    supervisor.start()
    crasher = supervisor.service("crasher")
    assert crasher.process is not None
    assert crasher.process.wait(timeout=30) == 1
    supervisor.hold("crasher")
    assert (log_dir / "crasher.log").read_text() == "step 1\nstep 2 failed\n"
    supervisor.release("crasher")
    assert crasher.process.wait(timeout=30) == 1
    with caplog.at_level("WARNING"):
        supervisor.tend()
    assert f"crasher exited with 1; restarting (log: {log_dir / 'crasher.log'})" in caplog.text
    assert caplog.text.count("crasher| ") == 2  # this run's lines, not the first run's
    assert "crasher| step 2 failed" in caplog.text
    # Over its limit, the log is copied aside and truncated (the child keeps its descriptor).
    assert (log_dir / "crasher.log").stat().st_size == 0
    assert (log_dir / "crasher.log.1").read_text().count("step 1") == 2
    supervisor.stop()
