"""CDS Hooks settings, from RADCDS_* environment variables (a mixin for GatewaySettings)."""

from typing import Literal

from pydantic import Field, field_validator
from radcds_kit.settings import RadcdsSettings

# CDS Hooks 2.0, "JWT Signing Algorithm": ES384 and RS384 are RECOMMENDED; `none` and
# symmetric (HMAC) algorithms SHALL NOT be used. ES256/RS256 only when a site opts in.
SigningAlgorithm = Literal["ES384", "RS384", "ES256", "RS256"]
RECOMMENDED_ALGORITHMS: list[SigningAlgorithm] = ["ES384", "RS384"]


class CdsSettings(RadcdsSettings):
    # The URL CDS clients call, e.g. https://radcds.example.org; the JWT `aud` is this plus
    # the path. Empty: the URL of the request as the gateway sees it.
    cds_public_base_url: str = ""
    # Trusted CDS clients: issuer (`iss`) -> the URL of its JWK Set. A `jku`, when sent,
    # must equal it. JSON in the environment, e.g. {"https://ehr.example.org": "https://..."}.
    cds_trusted_issuers: dict[str, str] = Field(default_factory=dict)
    cds_jwt_algorithms: list[SigningAlgorithm] = Field(
        default_factory=lambda: list(RECOMMENDED_ALGORITHMS)
    )
    # Clock skew allowed on `exp` and `iat`, and the longest lifetime a client JWT may have.
    cds_jwt_leeway_s: int = 30
    cds_jwt_max_lifetime_s: int = 600
    # JWK Sets are cached this long; an unknown `kid` refetches at most this often.
    cds_jwks_max_age_s: float = 300.0
    cds_jwks_min_refresh_s: float = 10.0
    # Redis: the `jti` replay store, card facts for feedback, and appContext handles.
    redis_url: str = "redis://127.0.0.1:6379/0"
    # The whole answer must fit this budget (the spec asks for about 500 ms).
    cds_budget_s: float = 0.45
    # Per call to the EHR's FHIR server and to the risk service.
    cds_fhir_timeout_s: float = 0.3
    cds_risk_deadline_s: float = 0.25
    # Pages of a search followed when fetching prefetch data ourselves.
    cds_fhir_max_pages: int = 3
    # Browser-based CDS clients allowed to call (CORS); empty allows none.
    cds_cors_origins: list[str] = Field(default_factory=list)
    # How long card facts and appContext handles are kept for feedback and the web page.
    cds_card_ttl_s: int = 7 * 24 * 3600
    # The physician web page (card links, model cards); empty: /app beside the URL called.
    cds_app_url: str = ""

    @field_validator("cds_jwt_algorithms")
    @classmethod
    def _some_algorithm(cls, value: list[SigningAlgorithm]) -> list[SigningAlgorithm]:
        if not value:
            raise ValueError("at least one signing algorithm is needed")
        return value

    @field_validator("cds_public_base_url", "cds_app_url")
    @classmethod
    def _no_trailing_slash(cls, value: str) -> str:
        return value.rstrip("/")
