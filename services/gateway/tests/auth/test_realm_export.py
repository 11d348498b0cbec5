"""The committed realm is what deploy/keycloak/build_realm.py writes, and holds only dev
secrets."""

import importlib.util
import json
from pathlib import Path
from types import ModuleType

import pytest

pytestmark = pytest.mark.unit

DEPLOY = Path(__file__).resolve().parents[4] / "deploy" / "keycloak"


def build_realm() -> ModuleType:
    spec = importlib.util.spec_from_file_location("build_realm", DEPLOY / "build_realm.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_committed_realm_is_the_generated_one() -> None:
    committed = json.loads((DEPLOY / "radcds-realm.json").read_text())
    assert committed == build_realm().realm()


def test_client_secrets_are_marked_dev_only() -> None:
    realm = json.loads((DEPLOY / "radcds-realm.json").read_text())
    secrets = [c["secret"] for c in realm["clients"] if "secret" in c]
    assert secrets
    assert all(s.startswith("dev-only-") for s in secrets)


def test_the_web_app_is_public_and_requires_pkce_s256() -> None:
    realm = json.loads((DEPLOY / "radcds-realm.json").read_text())
    web = next(c for c in realm["clients"] if c["clientId"] == "radcds-web")
    assert web["publicClient"] is True
    assert web["attributes"]["pkce.code.challenge.method"] == "S256"
    assert not web["directAccessGrantsEnabled"]
    assert all("/app/" in uri for uri in web["redirectUris"])
