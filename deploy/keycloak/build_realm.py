"""Writes radcds-realm.json, the Keycloak realm the gateway trusts.

Run `uv run python deploy/keycloak/build_realm.py` after editing; the JSON is committed and a
test fails when it differs from what this script writes. Client secrets here are dev-only
placeholders: production sets its own through Keycloak's admin API or a secret store.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

REALM = "radcds"
GATEWAY_AUDIENCE = "radcds-gateway"
GATEWAY_APP_REDIRECTS = ["http://localhost:8080/app/*", "http://127.0.0.1:8080/app/*"]
# A placeholder: each site points this at its EHR's JWKS.
EHR_JWKS_URL = "https://ehr.invalid/.well-known/jwks.json"
SERVICES = ["ingestion", "inference", "risk", "report", "gateway"]
SERVICES_WITHOUT_FHIR = {"risk"}
ROLES = {
    "radiologist": "Reads studies, signs and amends reports",
    "physician": "Reads results for their patients",
    "service": "A radcds service account",
}

Json = dict[str, Any]

# FHIR R4 id datatype; fhirUser is a reference to a Practitioner, Patient, RelatedPerson or Person.
FHIR_ID = r"^[A-Za-z0-9\-.]{1,64}$"
FHIR_USER = r"^(Practitioner|PractitionerRole|Patient|RelatedPerson|Person)/[A-Za-z0-9\-.]{1,64}$"
USER_METADATA = {
    "name": "user-metadata",
    "displayHeader": "User metadata",
    "displayDescription": "Attributes, which refer to user metadata",
}

# SMART App Launch 2.x, section "Scopes for requesting clinical data": v2 suffixes are
# ordered subsets of c r u d s; the v1 forms .read and .write remain accepted.
PATIENT_SCOPES = [
    "patient/*.rs",
    "patient/*.read",
    "patient/Patient.rs",
    "patient/Observation.rs",
    "patient/ImagingStudy.rs",
    "patient/DiagnosticReport.rs",
    "patient/RiskAssessment.rs",
]
USER_SCOPES = ["user/*.rs", "user/*.read", "user/*.cruds", "user/DiagnosticReport.cruds"]
SYSTEM_SCOPES = ["system/*.rs", "system/*.read", "system/*.cruds", "system/*.write"]
# A client scope with role scope mappings is granted only to users holding one of the roles.
SCOPE_ROLES = {
    "user/*.cruds": ["radiologist"],
    "user/DiagnosticReport.cruds": ["radiologist"],
    "system/*.cruds": ["service"],
    "system/*.write": ["service"],
}


def claim_config(claim: str, *, id_token: bool = False, **extra: str) -> dict[str, str]:
    return {
        "claim.name": claim,
        "access.token.claim": "true",
        "introspection.token.claim": "true",
        "id.token.claim": str(id_token).lower(),
        "userinfo.token.claim": str(id_token).lower(),
        "jsonType.label": "String",
        **extra,
    }


def mapper(name: str, kind: str, config: dict[str, str]) -> Json:
    return {"name": name, "protocol": "openid-connect", "protocolMapper": kind, "config": config}


def client_scope(name: str, *, in_token: bool, mappers: list[Json] | None = None) -> Json:
    return {
        "name": name,
        "protocol": "openid-connect",
        "attributes": {
            "include.in.token.scope": str(in_token).lower(),
            "display.on.consent.screen": "false",
        },
        "protocolMappers": mappers or [],
    }


def user_attribute_scope(scope: str, attribute: str) -> Json:
    config = claim_config(attribute, id_token=True, **{"user.attribute": attribute})
    return client_scope(scope, in_token=True, mappers=[mapper(attribute, _ATTRIBUTE, config)])


_ATTRIBUTE = "oidc-usermodel-attribute-mapper"


def builtin_scopes() -> list[Json]:
    sub = mapper("sub", "oidc-sub-mapper", {"access.token.claim": "true"})
    realm_roles = mapper(
        "realm roles",
        "oidc-usermodel-realm-role-mapper",
        claim_config("realm_access.roles", multivalued="true"),
    )
    origins = mapper("allowed web origins", "oidc-allowed-origins-mapper", {})
    username = mapper(
        "username",
        _ATTRIBUTE,
        claim_config("preferred_username", id_token=True, **{"user.attribute": "username"}),
    )
    return [
        client_scope("basic", in_token=False, mappers=[sub]),
        client_scope("roles", in_token=False, mappers=[realm_roles]),
        client_scope("web-origins", in_token=False, mappers=[origins]),
        client_scope("profile", in_token=True, mappers=[username]),
        client_scope("offline_access", in_token=True),
    ]


def audience_scope() -> Json:
    config = {
        "included.custom.audience": GATEWAY_AUDIENCE,
        "access.token.claim": "true",
        "introspection.token.claim": "true",
        "id.token.claim": "false",
    }
    audience = mapper("gateway audience", "oidc-audience-mapper", config)
    return client_scope(f"{GATEWAY_AUDIENCE}-audience", in_token=False, mappers=[audience])


def smart_scopes() -> list[Json]:
    resource_scopes = PATIENT_SCOPES + USER_SCOPES + SYSTEM_SCOPES
    return [
        *(client_scope(name, in_token=True) for name in resource_scopes),
        # SMART App Launch 2.x: `launch` for an EHR launch, `launch/patient` for a standalone
        # one. Keycloak cannot resolve a `launch` id to its context: the gateway does (its
        # README). Both put the patient the site has assigned to the user (the `patient`
        # attribute) in the token, and the gateway refuses a launch for any other patient.
        user_attribute_scope("launch", "patient"),
        user_attribute_scope("launch/patient", "patient"),
        user_attribute_scope("fhirUser", "fhirUser"),
    ]


def scope_mappings() -> list[Json]:
    mappings = [{"clientScope": s, "roles": r} for s, r in SCOPE_ROLES.items()]
    return [{"clientScope": "offline_access", "roles": ["offline_access"]}, *mappings]


def client(client_id: str, name: str, default: list[str], optional: list[str]) -> Json:
    return {
        "clientId": client_id,
        "name": name,
        "enabled": True,
        "protocol": "openid-connect",
        "fullScopeAllowed": True,
        "consentRequired": False,
        "frontchannelLogout": False,
        "standardFlowEnabled": False,
        "implicitFlowEnabled": False,
        "directAccessGrantsEnabled": False,
        "serviceAccountsEnabled": False,
        "publicClient": False,
        "defaultClientScopes": ["basic", "roles", f"{GATEWAY_AUDIENCE}-audience", *default],
        "optionalClientScopes": optional,
        "attributes": {},
    }


def confidential(client_id: str, name: str, default: list[str], optional: list[str]) -> Json:
    rep = client(client_id, name, default, optional)
    rep |= {
        "serviceAccountsEnabled": True,
        "clientAuthenticatorType": "client-secret",
        "secret": f"dev-only-{client_id}-secret",
    }
    return rep


def ehr_client() -> Json:
    rep = confidential("radcds-ehr", "EHR (SMART backend services)", ["system/*.rs"], [])
    rep["optionalClientScopes"] = ["system/*.read"]
    return rep


def ehr_backend_client() -> Json:
    """SMART backend services: the EHR signs a client assertion (private_key_jwt, RS384) with a
    key Keycloak reads from the EHR's JWKS URL, to be set per site."""
    rep = client("radcds-ehr-backend", "EHR (SMART backend services, private_key_jwt)", [], [])
    rep["defaultClientScopes"] += ["system/*.rs"]
    rep |= {"serviceAccountsEnabled": True, "clientAuthenticatorType": "client-jwt"}
    rep["attributes"] = {
        "use.jwks.url": "true",
        "jwks.url": EHR_JWKS_URL,
        "token.endpoint.auth.signing.alg": "RS384",
    }
    return rep


def physician_app_client() -> Json:
    optional = ["launch", "launch/patient", "offline_access", *PATIENT_SCOPES, *USER_SCOPES]
    rep = client("radcds-web", "radcds physician web app", ["profile", "fhirUser"], optional)
    rep |= {
        "publicClient": True,
        "standardFlowEnabled": True,
        "redirectUris": GATEWAY_APP_REDIRECTS,
        "webOrigins": ["+"],
        "attributes": {"pkce.code.challenge.method": "S256", "post.logout.redirect.uris": "+"},
    }
    return rep


def service_client(service: str) -> Json:
    default = [] if service in SERVICES_WITHOUT_FHIR else ["system/*.cruds"]
    return confidential(f"radcds-{service}", f"radcds {service} service", default, [])


def service_account(client_id: str, roles: list[str]) -> Json:
    return {
        "username": f"service-account-{client_id}",
        "enabled": True,
        "serviceAccountClientId": client_id,
        "realmRoles": ["default-roles-radcds", *roles],
    }


def realm_roles() -> list[Json]:
    roles = [{"name": n, "description": d} for n, d in ROLES.items()]
    default = {
        "name": "default-roles-radcds",
        "composite": True,
        "composites": {"realm": ["offline_access"]},
    }
    return [*roles, {"name": "offline_access"}, default]


def person_attribute(name: str, validations: Json) -> Json:
    return {
        "name": name,
        "displayName": f"${{{name}}}",
        "validations": validations,
        "required": {"roles": ["user"]},
        "permissions": {"view": ["admin", "user"], "edit": ["admin", "user"]},
        "multivalued": False,
    }


def admin_attribute(name: str, display: str, pattern: str) -> Json:
    """An attribute only administrators see and set: users must not pick their patient."""
    message = f"{display} must match {pattern}"
    return {
        "name": name,
        "displayName": display,
        "validations": {"pattern": {"pattern": pattern, "error-message": message}},
        "permissions": {"view": ["admin"], "edit": ["admin"]},
        "multivalued": False,
    }


def user_profile() -> Json:
    """Keycloak's default declarative user profile plus the SMART context attributes; an
    attribute the profile does not declare is dropped when set through the admin API."""
    username = person_attribute("username", {"length": {"min": 3, "max": 255}})
    username["validations"] |= {"username-prohibited-characters": {}}
    username["validations"] |= {"up-username-not-idn-homograph": {}}
    del username["required"]
    names = {"length": {"max": 255}, "person-name-prohibited-characters": {}}
    attributes = [
        username,
        person_attribute("email", {"email": {}, "length": {"max": 255}}),
        person_attribute("firstName", names),
        person_attribute("lastName", names),
        admin_attribute("patient", "Patient in context", FHIR_ID),
        admin_attribute("fhirUser", "FHIR user", FHIR_USER),
    ]
    config = {"attributes": attributes, "groups": [USER_METADATA]}
    component = {"providerId": "declarative-user-profile", "subComponents": {}}
    component["config"] = {"kc.user.profile.config": [json.dumps(config)]}
    return {"org.keycloak.userprofile.UserProfileProvider": [component]}


def realm() -> Json:
    services = [service_client(s) for s in SERVICES]
    accounts = [service_account(c["clientId"], ["service"]) for c in services]
    return {
        "realm": REALM,
        "enabled": True,
        "sslRequired": "external",
        "accessTokenLifespan": 300,
        "ssoSessionIdleTimeout": 1800,
        "ssoSessionMaxLifespan": 36000,
        "bruteForceProtected": True,
        "roles": {"realm": realm_roles()},
        "defaultRole": {"name": "default-roles-radcds", "composite": True},
        "clientScopes": [*builtin_scopes(), audience_scope(), *smart_scopes()],
        "defaultDefaultClientScopes": ["basic", "roles", "web-origins", "profile"],
        "defaultOptionalClientScopes": ["offline_access"],
        "scopeMappings": scope_mappings(),
        "clients": [ehr_client(), ehr_backend_client(), physician_app_client(), *services],
        "users": [
            *accounts,
            service_account("radcds-ehr", []),
            service_account("radcds-ehr-backend", []),
        ],
        "components": user_profile(),
    }


def main() -> None:
    target = Path(__file__).with_name(f"{REALM}-realm.json")
    target.write_text(json.dumps(realm(), indent=2) + "\n")


if __name__ == "__main__":
    main()
