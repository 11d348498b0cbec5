"""Issues a development access token: `python -m radcds_gateway.auth --scope 'user/*.rs'`,
the same as `python -m radcds_kit.oidc`."""

from radcds_kit.oidc.__main__ import main

if __name__ == "__main__":
    main()
