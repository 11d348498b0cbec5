"""The guarded test app served with the Keycloak token verifier. The real Keycloak (session
fixtures `keycloak` and `keycloak_admin`) comes from the radcds pytest plugin
(radcds_kit.testing.keycloak), which ingestion's tests share."""

from collections.abc import Iterator

import pytest
from keycloak import KeycloakOpenID
from radcds_gateway.auth import KeycloakTokenVerifier, install_token_verifier
from radcds_kit.testing.keycloak import KeycloakServer

from .support import AUDIENCE, UvicornThread, guarded_app


@pytest.fixture(scope="session")
def gateway(keycloak: KeycloakServer) -> Iterator[str]:
    openid = KeycloakOpenID(
        server_url=keycloak.base_url, realm_name=keycloak.realm, client_id=AUDIENCE
    )
    # No leeway, so that a token one second past its expiry is already refused.
    app = guarded_app()
    install_token_verifier(app, KeycloakTokenVerifier(openid, audience=AUDIENCE, leeway_s=0))
    with UvicornThread(app) as base_url:
        yield base_url
