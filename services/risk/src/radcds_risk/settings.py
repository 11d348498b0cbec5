"""Risk service settings, read once from RADCDS_* environment variables."""

from radcds_kit import ports
from radcds_kit.settings import RadcdsSettings


class RiskSettings(RadcdsSettings):
    """Everything the risk service is configured by."""

    risk_grpc_port: int = ports.RISK_GRPC
    # Largest patient Bundle accepted, in bytes.
    risk_max_bundle_bytes: int = 16 * 1024 * 1024
    # Same procedure within this many days counts as duplicate imaging.
    risk_duplicate_window_days: int = 30
    # AI haemorrhage probability at or above which ICH counts as suspected.
    risk_ich_probability_threshold: float = 0.5
    # How far back each input is looked for. Site policy, not published thresholds.
    risk_lookback_lipids_days: int = 5 * 365
    risk_lookback_vitals_days: int = 365
    risk_lookback_egfr_days: int = 30
    risk_lookback_inr_days: int = 7
    risk_lookback_gcs_hours: int = 24
    risk_lookback_hcg_days: int = 7
    risk_lookback_smoking_days: int = 5 * 365
