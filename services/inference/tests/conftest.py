"""Fixtures: a real tritonserver with models/, synthetic studies, peers, the service."""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from radcds_kit.testing.services import ServiceProcess

sys.path.insert(0, str(Path(__file__).parent))
from inference_fakes import PeerServers
from inference_support import SyntheticStudy, make_study
from radcds_kit.testing.triton import TritonServer


@pytest.fixture(scope="session")
def studies(tmp_path_factory: pytest.TempPathFactory) -> dict[str, SyntheticStudy]:
    """An ICH head CT, a chest CT with nodules and a normal head CT (seed 77: never trained on)."""
    out = tmp_path_factory.mktemp("studies")
    return {
        "ich": make_study(out, 77, 0, "ich"),
        "nodule": make_study(out, 77, 3, "nodule"),  # one 24.5 mm solid nodule
        "normal": make_study(out, 77, 2, "normal"),  # index 2 plans a head CT
    }


@pytest.fixture
def peers() -> Iterator[PeerServers]:
    servers = PeerServers().start()
    yield servers
    servers.stop()


@pytest.fixture
def start_inference(
    start_service: Callable[..., ServiceProcess],
    triton: TritonServer,
    redis_url: str,
    peers: PeerServers,
) -> Callable[..., ServiceProcess]:
    prefix = f"radcds:test:{os.getpid()}:{time.monotonic_ns()}"

    def start(**env: str) -> ServiceProcess:
        settings = {
            "RADCDS_REDIS_URL": redis_url,
            "RADCDS_TRITON_GRPC_ADDRESS": triton.grpc_address,
            "RADCDS_INGESTION_GRPC_ADDRESS": peers.address("ingestion"),
            "RADCDS_GATEWAY_GRPC_ADDRESS": peers.address("gateway"),
            "RADCDS_REPORT_GRPC_ADDRESS": peers.address("report"),
            "RADCDS_INFERENCE_KEY_PREFIX": prefix,
            "RADCDS_INFERENCE_CLAIM_IDLE_MS": "3000",
            "RADCDS_INFERENCE_HANDOVER_IDLE_MS": "500",
            "RADCDS_INFERENCE_BACKOFF_MAX_S": "1.0",
            **env,
        }
        return start_service("inference", **settings)

    return start
