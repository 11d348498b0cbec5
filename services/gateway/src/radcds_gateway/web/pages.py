"""The pages: the patient page (from an EHR launch), the worklist, a study's draft with
sign and amend, and the report's documents. Routes stay thin; views build the content."""

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response, StreamingResponse

from radcds_gateway.cds.card_parts import OVERRIDE_REASONS
from radcds_gateway.web.errors import LoginRequired, PageError
from radcds_gateway.web.feedback import record_feedback
from radcds_gateway.web.fhir_reader import FhirReader
from radcds_gateway.web.key_images import MAX_OFFSET, WINDOWS, key_image
from radcds_gateway.web.model_view import model_page
from radcds_gateway.web.patient_view import page_patient, patient_page
from radcds_gateway.web.rendering import render
from radcds_gateway.web.sessions import WebSession
from radcds_gateway.web.smart import SESSION_COOKIE, Web, app_verifier, refresher
from radcds_gateway.web.study_view import report_document, study_page
from radcds_gateway.web.worklist import require_worklist_access, worklist_events, worklist_rows

router = APIRouter(prefix="/app", include_in_schema=False)


async def current_session(request: Request, web: Web) -> WebSession:
    cookie = request.cookies.get(SESSION_COOKIE, "")
    session = await web.sessions.get_session(cookie, app_verifier(request), refresher(web))
    if session is None:
        raise LoginRequired()
    return session


Session = Annotated[WebSession, Depends(current_session)]
Csrf = Annotated[str, Form(max_length=64)]


def reader_for(request: Request, web: Web, session: Session) -> FhirReader:
    return FhirReader(web.http, web.fhir_base(request), session.raw_token)


Reader = Annotated[FhirReader, Depends(reader_for)]


def check_csrf(session: WebSession, token: str) -> None:
    if token != session.csrf:
        raise PageError(403, "The form has expired; reload the page and try again.")


@router.get("/patient")
async def patient(request: Request, session: Session, reader: Reader) -> Response:
    page = await patient_page(reader, session)
    recorded = request.query_params.get("feedback") == "recorded"
    return render(request, "patient.html", session, page=page, reasons=OVERRIDE_REASONS,
                  feedback_recorded=recorded, windows=WINDOWS)  # fmt: skip


@router.post("/feedback")
async def feedback(
    web: Web, session: Session, csrf: Csrf, verdict: Annotated[str, Form()],
    reason: Annotated[str, Form(max_length=64)] = "",
    comment: Annotated[str, Form(max_length=2000)] = "",
) -> Response:  # fmt: skip
    check_csrf(session, csrf)
    page_patient(session)
    assert session.context is not None
    await record_feedback(web, session.context, verdict == "agree", reason, comment)
    return RedirectResponse("/app/patient?feedback=recorded#feedback", status_code=303)


@router.get("/reports/{report_id}/{kind}")
async def document(
    web: Web, session: Session, reader: Reader, report_id: str, kind: str
) -> Response:
    content_type = {"html": "text/html", "pdf": "application/pdf"}.get(kind)
    if content_type is None:
        raise PageError(404, "No such document.")
    data = await report_document(web, reader, session, report_id, content_type)
    # The report's HTML is shown in a sandboxed frame: no scripts, no requests but images.
    policy = "sandbox; default-src 'none'; img-src data:; style-src 'unsafe-inline'"
    headers = {"Content-Security-Policy": policy, "Cache-Control": "no-store"}
    return Response(data, media_type=content_type, headers=headers)


SliceOffset = Annotated[int, Query(ge=-MAX_OFFSET, le=MAX_OFFSET)]
WindowName = Annotated[str, Query(max_length=32)]


def _key_image_response(image: dict[str, Any]) -> Response:
    """The viewer's slice: report and Observation ids in the path, nothing about the
    patient; the browser may keep it, no shared cache may."""
    headers = {"Cache-Control": "private, max-age=300", "Vary": "Cookie"}
    return JSONResponse(image, headers=headers)


@router.get("/reports/{report_id}/findings/{observation_id}/key-image")
async def finding_key_image(
    web: Web, session: Session, reader: Reader, report_id: str, observation_id: str,
    offset: SliceOffset = 0, window: WindowName = "",
) -> Response:  # fmt: skip
    """The patient page's viewer: only the launch's patient."""
    patient = page_patient(session)
    image = await key_image(web, reader, patient, report_id, observation_id, offset, window)
    return _key_image_response(image)


@router.get("/worklist")
async def worklist(request: Request, session: Session, reader: Reader) -> Response:
    require_worklist_access(session)
    rows = await worklist_rows(reader)
    return render(request, "worklist.html", session, rows=rows)


@router.get("/worklist/events")
async def worklist_stream(request: Request, web: Web, session: Session, reader: Reader) -> Response:
    require_worklist_access(session)
    stopped = request.app.state.web_stopping
    events = worklist_events(reader, web.settings.web_worklist_poll_s, stopped)
    headers = {"Cache-Control": "no-store", "X-Accel-Buffering": "no"}
    return StreamingResponse(events, media_type="text/event-stream", headers=headers)


@router.get("/worklist/{report_id}")
async def study(
    request: Request, web: Web, session: Session, reader: Reader, report_id: str
) -> Response:
    require_worklist_access(session)
    page = await study_page(web, reader, report_id)
    return render(request, "study.html", session, page=page, windows=WINDOWS)


@router.get("/worklist/{report_id}/findings/{observation_id}/key-image")
async def study_key_image(
    web: Web, session: Session, reader: Reader, report_id: str, observation_id: str,
    offset: SliceOffset = 0, window: WindowName = "",
) -> Response:  # fmt: skip
    """The study page's viewer: authorised as the study page is."""
    require_worklist_access(session)
    image = await key_image(web, reader, None, report_id, observation_id, offset, window)
    return _key_image_response(image)


@router.post("/worklist/{report_id}/sign")
async def sign(
    web: Web, session: Session, reader: Reader, report_id: str, csrf: Csrf,
    version: Annotated[str, Form(max_length=32)],
) -> Response:  # fmt: skip
    check_csrf(session, csrf)
    require_worklist_access(session)
    await web.reports.sign(report_id, _practitioner(session), version)
    return RedirectResponse(f"/app/worklist/{report_id}", status_code=303)


@router.post("/worklist/{report_id}/amend")
async def amend(
    web: Web, session: Session, report_id: str, csrf: Csrf,
    version: Annotated[str, Form(max_length=32)],
    conclusion: Annotated[str, Form(min_length=1, max_length=4000)],
    reason: Annotated[str, Form(min_length=1, max_length=1000)],
) -> Response:  # fmt: skip
    check_csrf(session, csrf)
    require_worklist_access(session)
    await web.reports.amend(report_id, _practitioner(session), version, conclusion, reason)
    return RedirectResponse(f"/app/worklist/{report_id}", status_code=303)


def _practitioner(session: WebSession) -> str:
    if session.practitioner is None:
        raise PageError(403, "Only a practitioner may sign or amend a report.")
    if not session.token.scopes.allows("DiagnosticReport", "update"):
        raise PageError(403, "Your sign-in does not allow signing reports.")
    return session.practitioner


@router.get("/models/{device_id}")
async def model_card(
    request: Request, session: Session, reader: Reader, device_id: str
) -> Response:
    """The model card a CDS card's source links to: the model's Device resource."""
    page = await model_page(reader, device_id)
    return render(request, "model.html", session, page=page)


@router.get("/signed-out")
async def signed_out(request: Request) -> Response:
    return render(request, "message.html", None, title="Signed out",
                  message="You are signed out of radcds.")  # fmt: skip
