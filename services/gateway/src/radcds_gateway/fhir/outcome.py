"""OperationOutcome: how every FHIR error is told to the client."""

from typing import Any

# FHIR R4 IssueType codes used here, with the HTTP status that carries each.
STATUS_CODES = {
    "invalid": 400,
    "structure": 400,
    "processing": 422,
    "not-found": 404,
    "deleted": 410,
    "conflict": 409,
    "not-supported": 400,
    "forbidden": 403,
    "login": 401,
    "too-costly": 413,
    "exception": 500,
    "multiple-matches": 412,
}


def operation_outcome(
    code: str, diagnostics: str, severity: str = "error", expression: str | None = None
) -> dict[str, Any]:
    issue: dict[str, Any] = {"severity": severity, "code": code, "diagnostics": diagnostics}
    if expression:
        issue["expression"] = [expression]
    return {"resourceType": "OperationOutcome", "issue": [issue]}


class FhirError(Exception):
    """A FHIR interaction that cannot be done, with the status and outcome to return."""

    def __init__(
        self,
        code: str,
        diagnostics: str,
        status: int | None = None,
        issues: list[Any] | None = None,
    ) -> None:
        super().__init__(diagnostics)
        self.code = code
        self.diagnostics = diagnostics
        self.status = status or STATUS_CODES.get(code, 400)
        self.issues = issues

    def outcome(self) -> dict[str, Any]:
        if self.issues:
            return {"resourceType": "OperationOutcome", "issue": self.issues}
        return operation_outcome(self.code, self.diagnostics)


def not_found(resource_type: str, resource_id: str) -> FhirError:
    return FhirError("not-found", f"{resource_type}/{resource_id} is not known")


def precondition_failed(diagnostics: str) -> FhirError:
    return FhirError("conflict", diagnostics, status=412)
