"""Settings of the physician and radiologist pages, from RADCDS_* environment variables
(a mixin for GatewaySettings)."""

from pydantic import field_validator
from radcds_kit.settings import RadcdsSettings


class WebSettings(RadcdsSettings):
    # The authorization server (the Keycloak realm) as browsers reach it, e.g.
    # https://id.example.org/realms/radcds. Its .well-known names the endpoints.
    web_authorization_server: str = ""
    # The public client of the web app (PKCE S256, no secret).
    web_client_id: str = "radcds-web"
    # The FHIR server the pages read with the user's token: the `iss` an EHR launch must
    # name. Empty: /fhir beside /app, as the request reaches the gateway.
    web_fhir_base_url: str = ""
    # The gateway's public URL (redirect URIs, `iss`); empty: as the request sees it.
    web_public_base_url: str = ""
    # Unfinished logins (state, PKCE verifier) and signed-in sessions expire after these.
    web_login_ttl_s: int = 600
    web_session_ttl_s: int = 8 * 3600
    # How often an open worklist's server-sent event stream looks for new results.
    web_worklist_poll_s: float = 2.0
    # Sessions and logins under way, shared by every gateway replica (the same Redis as
    # CDS Hooks: RADCDS_REDIS_URL).
    redis_url: str = "redis://127.0.0.1:6379/0"
    # gRPC deadline for calls to the report service.
    web_report_timeout_s: float = 10.0

    @field_validator("web_authorization_server", "web_fhir_base_url", "web_public_base_url")
    @classmethod
    def _no_trailing_slash(cls, value: str) -> str:
        return value.rstrip("/")
