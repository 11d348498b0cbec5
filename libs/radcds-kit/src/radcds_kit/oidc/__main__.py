"""Issues a development access token: `python -m radcds_kit.oidc --scope 'user/*.rs'`.

The services must share the key: set RADCDS_DEV_ISSUER_KEY_FILE for all of them. Refused when
RADCDS_ENVIRONMENT=production.
"""

import argparse

from radcds_kit.oidc.development import DevelopmentIssuer, load_or_create_key
from radcds_kit.oidc.settings import OidcSettings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scope", action="append", required=True, help="repeat for each scope")
    parser.add_argument("--subject", default="developer")
    parser.add_argument("--client-id", default="radcds-dev")
    parser.add_argument("--patient", help="the patient in context, for patient/ scopes")
    parser.add_argument("--role", action="append", default=[], help="a realm role, e.g. service")
    parser.add_argument("--lifetime", type=int, default=3600, help="seconds")
    args = parser.parse_args()
    settings = OidcSettings()
    if settings.dev_issuer_key_file is None:
        parser.error("set RADCDS_DEV_ISSUER_KEY_FILE, the key the services verify with")
    issuer = DevelopmentIssuer(
        environment=settings.environment,
        audience=settings.gateway_audience,
        key=load_or_create_key(settings.dev_issuer_key_file),
    )
    token = issuer.issue(
        subject=args.subject,
        client_id=args.client_id,
        scopes=args.scope,
        patient=args.patient,
        roles=args.role,
        lifetime_s=args.lifetime,
    )
    print(token)


if __name__ == "__main__":
    main()
