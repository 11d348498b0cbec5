"""Shared fixtures for the risk service tests."""

import json
from collections.abc import Callable
from typing import Any

import pytest
from radcds_risk.assessor import Assessor, CalculatorResult
from radcds_risk.examples import REFERENCE_TIME as NOW
from radcds_risk.settings import RiskSettings


def encode(resource: dict[str, Any]) -> bytes:
    return json.dumps(resource).encode()


@pytest.fixture
def assess() -> Callable[..., dict[str, CalculatorResult]]:
    """Runs Assess in process; results by calculator name."""
    assessor = Assessor(RiskSettings())

    def run(
        bundle: dict[str, Any],
        findings: list[dict[str, Any]] | None = None,
        order: dict[str, Any] | None = None,
        calculators: list[str] | None = None,
    ) -> dict[str, CalculatorResult]:
        results = assessor.assess(
            encode(bundle),
            [encode(f) for f in findings or []],
            calculators=calculators or [],
            as_of=NOW,
            draft_order=encode(order) if order else b"",
        )
        return {r.spec.name: r for r in results}

    return run
