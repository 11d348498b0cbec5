"""Session fixtures: one real Keycloak (scripts/keycloak.sh, realm from deploy/keycloak) for
all auth tests, and the guarded test app served with the Keycloak token verifier.

RADCDS_TEST_KEYCLOAK_URL points the tests at a Keycloak already started with
`scripts/keycloak.sh start` (dev admin admin/admin) instead."""

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from keycloak import KeycloakAdmin, KeycloakOpenID
from radcds_gateway.auth import KeycloakTokenVerifier, install_token_verifier
from radcds_kit.ports import free_port

from .support import AUDIENCE, REALM, KeycloakServer, UvicornThread, guarded_app

KEYCLOAK_SH = Path(__file__).resolve().parents[4] / "scripts" / "keycloak.sh"


@pytest.fixture(scope="session")
def keycloak(tmp_path_factory: pytest.TempPathFactory) -> Iterator[KeycloakServer]:
    if url := os.environ.get("RADCDS_TEST_KEYCLOAK_URL"):
        yield KeycloakServer(url.rstrip("/"), REALM, "admin", "admin")
        return
    data = tmp_path_factory.mktemp("keycloak")
    port = start_keycloak(data)
    try:
        yield KeycloakServer(f"http://127.0.0.1:{port}", REALM, "admin", "admin")
    finally:
        subprocess.run([KEYCLOAK_SH, "stop", "--data", data], check=True)


def start_keycloak(data: Path) -> int:
    """Starts Keycloak on a free port; tries a second port if another process took the first
    between our choosing it and Keycloak binding it."""
    attempts = 2
    for _ in range(attempts):
        port = free_port()
        started = subprocess.run([KEYCLOAK_SH, "start", "--port", str(port), "--data", data])
        if started.returncode == 0:
            return port
    raise RuntimeError(f"scripts/keycloak.sh start failed {attempts} times; see {data}")


@pytest.fixture(scope="session")
def keycloak_admin(keycloak: KeycloakServer) -> KeycloakAdmin:
    return KeycloakAdmin(
        server_url=keycloak.base_url,
        username=keycloak.admin_user,
        password=keycloak.admin_password,
        realm_name=keycloak.realm,
        user_realm_name="master",
    )


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
