"""A finding's key image for the viewer (static/viewer.js): one slice around the key slice
in a window, and the AI mask as a separate transparent layer, from the report service
(GetKeyImage), for a finding the report lists among its results. Each page's route
authorises as its page does: the patient page's only the launch's patient, the
radiologist's study page's a worklist sign-in."""

import base64
import re
from typing import Any

from radcds_gateway.web.components import WebComponents
from radcds_gateway.web.errors import PageError
from radcds_gateway.web.fhir_reader import FhirReader

# The report service's named windows (report.proto, GetKeyImageRequest.window), with the
# labels the viewer's select shows; the viewer shows the width and level the service used.
WINDOWS = {
    "brain": "Brain",
    "subdural": "Subdural",
    "bone": "Bone",
    "lung": "Lung",
    "mediastinum": "Mediastinum",
}
# FHIR R4 id datatype.
FHIR_ID = re.compile(r"[A-Za-z0-9\-.]{1,64}")
# More slices than any CT series radcds reads; the service clamps to the series anyway.
MAX_OFFSET = 4096


def _png(data: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(data).decode("ascii")


async def key_image(
    web: WebComponents, reader: FhirReader, patient: str | None,
    report_id: str, observation_id: str, offset: int, window: str,
) -> dict[str, Any]:  # fmt: skip
    """The slice at `offset` from the key slice; `patient`, when given, is the only patient
    whose reports may be shown."""
    if not FHIR_ID.fullmatch(report_id) or not FHIR_ID.fullmatch(observation_id):
        raise PageError(404, "No such key image.")
    if window and window not in WINDOWS:
        raise PageError(400, "Choose one of the listed windows.")
    report = await reader.read(f"DiagnosticReport/{report_id}")
    subject = str(report.get("subject", {}).get("reference", ""))
    if patient is not None and subject != f"Patient/{patient}":
        raise PageError(403, "This image is for a patient outside your sign-in.")
    results = {str(r.get("reference", "")) for r in report.get("result", [])}
    if f"Observation/{observation_id}" not in results:
        raise PageError(404, "The report does not list this finding.")
    offset = max(-MAX_OFFSET, min(MAX_OFFSET, offset))
    image = await web.reports.key_image(report_id, observation_id, offset, window)
    return {
        "image": _png(image.image_png),
        "overlay": _png(image.overlay_png) if image.overlay_png else None,
        "sliceIndex": image.slice_index,
        "sliceCount": image.slice_count,
        "keySliceIndex": image.key_slice_index,
        "window": image.window,
        "windowCenter": image.window_center,
        "windowWidth": image.window_width,
    }
