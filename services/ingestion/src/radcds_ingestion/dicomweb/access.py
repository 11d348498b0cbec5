"""Who may use DICOMweb: a bearer token (radcds_kit.oidc) whose SMART v2 scopes grant the
interaction on ImagingStudy, the FHIR resource a DICOM study is published as.

| transaction | SMART v2 permission | e.g. |
|---|---|---|
| STOW-RS | create (`c`) | `system/ImagingStudy.c`, `user/ImagingStudy.cruds`, v1 `.write` |
| QIDO-RS | search (`s`) | `system/ImagingStudy.rs`, `user/*.rs`, v1 `.read` |
| WADO-RS | read (`r`) | the same |

Only user/ and system/ scopes count. A patient/ scope confines its holder to one patient's
compartment, which DICOMweb's study-level resources cannot enforce, so it grants nothing here.
"""

from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import Depends, Request
from radcds_kit.oidc import AccessToken, ScopeDenied, current_token

RESOURCE_TYPE = "ImagingStudy"


def requires(interaction: str) -> Callable[[Request], Awaitable[AccessToken]]:
    """A dependency: the verified token (else 401), whose scopes grant `interaction` on
    ImagingStudy beyond a single patient (else 403)."""

    async def check(request: Request) -> AccessToken:
        token = await current_token(request)
        if not token.scopes.allows_beyond_patient(RESOURCE_TYPE, interaction):
            raise ScopeDenied(f"no user/ or system/ scope grants {interaction} on {RESOURCE_TYPE}")
        return token

    return check


MayStore = Annotated[AccessToken, Depends(requires("create"))]
MaySearch = Annotated[AccessToken, Depends(requires("search"))]
MayRead = Annotated[AccessToken, Depends(requires("read"))]
