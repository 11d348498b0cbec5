"""The one dependency through which every FHIR route learns who is calling."""

from typing import Annotated

from fastapi import Depends, Request

from radcds_gateway.fhir.access import AccessToken, AuthPolicy


async def current_principal(request: Request) -> AccessToken:
    policy: AuthPolicy = request.app.state.fhir_auth_policy
    return await policy.authenticate(request)


Principal = Annotated[AccessToken, Depends(current_principal)]
