"""The cached JSON Web Key Set, from radcds_kit.oidc; kept here for the CDS Hooks client
JWT checks that import it by this path."""

from radcds_kit.oidc.jwks import FetchJwks, JwksCache

__all__ = ["FetchJwks", "JwksCache"]
