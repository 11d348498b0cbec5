"""Defaults that must agree with the rest of the suite."""

import pytest
from radcds_ingestion.settings import IngestionSettings
from radcds_synth.identity import MRN_SYSTEM

pytestmark = pytest.mark.unit


def test_the_mrn_system_is_the_one_synthetic_records_use(monkeypatch) -> None:
    monkeypatch.delenv("RADCDS_MRN_SYSTEM", raising=False)
    assert IngestionSettings().mrn_system == MRN_SYSTEM


def test_dicomweb_trusts_the_gateways_audience(monkeypatch) -> None:
    monkeypatch.setenv("RADCDS_GATEWAY_AUDIENCE", "site-api")
    assert IngestionSettings().gateway_audience == "site-api"
