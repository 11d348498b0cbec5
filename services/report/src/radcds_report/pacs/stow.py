"""One STOW-RS of one stored instance to one DICOMweb origin server (PS3.18 10.5).

The request is `POST {base}/studies` with a multipart/related body of one
application/dicom part. The response is a Store Instances Response Module (PS3.18
10.5.3, Table 10.5.3-1) in DICOM JSON: the instance is stored when its SOP Instance UID is
in the Referenced SOP Sequence (00081199) and not in the Failed SOP Sequence (00081198).
"""

import uuid
from dataclasses import dataclass
from typing import Any

import httpx

from radcds_report.pacs.cstore import DeliveryFailed
from radcds_report.pacs.destinations import PacsDestination
from radcds_report.pacs.pdf import from_part10

REFERENCED_SOP_SEQUENCE = "00081199"
FAILED_SOP_SEQUENCE = "00081198"
FAILURE_REASON = "00081197"
REFERENCED_SOP_INSTANCE_UID = "00081155"


def _multipart(part10: bytes) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    body = b"".join([
        f"--{boundary}\r\nContent-Type: application/dicom\r\n\r\n".encode(),
        part10,
        f"\r\n--{boundary}--\r\n".encode(),
    ])  # fmt: skip
    return body, f'multipart/related; type="application/dicom"; boundary={boundary}'


def _uids(response: dict[str, Any], sequence: str) -> dict[str, int | None]:
    """SOP Instance UID -> Failure Reason (None if none) of each item of a sequence."""
    found: dict[str, int | None] = {}
    for item in response.get(sequence, {}).get("Value", []):
        uid = (item.get(REFERENCED_SOP_INSTANCE_UID, {}).get("Value") or [""])[0]
        reason = (item.get(FAILURE_REASON, {}).get("Value") or [None])[0]
        found[str(uid)] = reason
    return found


@dataclass(frozen=True)
class StowClient:
    timeout_s: float

    def store(self, destination: PacsDestination, part10: bytes) -> str:
        """Sends one instance; returns the HTTP status as text, or raises DeliveryFailed."""
        sop_uid = str(from_part10(part10).SOPInstanceUID)
        body, content_type = _multipart(part10)
        headers = {"Content-Type": content_type, "Accept": "application/dicom+json"}
        if token := destination.bearer_token():
            headers["Authorization"] = f"Bearer {token}"
        url = f"{str(destination.url).rstrip('/')}/studies"
        try:
            reply = httpx.post(url, content=body, headers=headers, timeout=self.timeout_s)
        except httpx.HTTPError as error:
            raise DeliveryFailed(f"STOW-RS request failed ({type(error).__name__})") from None
        if reply.status_code not in (200, 202):
            raise DeliveryFailed(f"STOW-RS HTTP {reply.status_code}")
        self._check(reply, sop_uid)
        return f"HTTP {reply.status_code}"

    @staticmethod
    def _check(reply: httpx.Response, sop_uid: str) -> None:
        try:
            response = reply.json() if reply.content else {}
        except ValueError:
            raise DeliveryFailed("STOW-RS response is not DICOM JSON") from None
        if isinstance(response, list):  # some servers answer a one-item array
            response = response[0] if response else {}
        failed = _uids(response, FAILED_SOP_SEQUENCE)
        if sop_uid in failed:
            reason = failed[sop_uid]
            raise DeliveryFailed(
                f"STOW-RS failure reason 0x{reason:04X}" if reason else "STOW-RS failed"
            )
        if response and sop_uid not in _uids(response, REFERENCED_SOP_SEQUENCE):
            raise DeliveryFailed("STOW-RS response does not list the instance as stored")
