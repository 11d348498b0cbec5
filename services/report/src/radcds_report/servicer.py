"""radcds.report.v1.ReportService over gRPC."""

from collections.abc import Awaitable
from typing import Any, TypeVar

import grpc
from radcds.common.v1 import common_pb2
from radcds.report.v1 import report_pb2, report_pb2_grpc
from radcds_kit.fhir_store import FhirStoreClient, FhirStoreError

from radcds_report.composer import ComposeError, ComposeOrder, Composer, current_report
from radcds_report.key_images.series import KeyImageUnavailable
from radcds_report.key_images.service import KeyImages, KeySlice
from radcds_report.lifecycle import NotAllowed, ReportLifecycle, WrongState, study_uid_of
from radcds_report.messages import ReportMessages

T = TypeVar("T")
Context = grpc.aio.ServicerContext[Any, Any]
Resource = dict[str, Any]

_STORE_STATUS = {
    grpc.StatusCode.NOT_FOUND: grpc.StatusCode.NOT_FOUND,
    grpc.StatusCode.INVALID_ARGUMENT: grpc.StatusCode.FAILED_PRECONDITION,
    grpc.StatusCode.FAILED_PRECONDITION: grpc.StatusCode.ABORTED,
    grpc.StatusCode.ABORTED: grpc.StatusCode.ABORTED,
}


async def _answer(context: Context, work: Awaitable[T]) -> T:
    """Runs the work and turns each failure into the gRPC status a caller can act on."""
    try:
        return await work
    except NotFound as error:
        await context.abort(grpc.StatusCode.NOT_FOUND, str(error))
    except KeyImageUnavailable as error:
        await context.abort(grpc.StatusCode.FAILED_PRECONDITION, str(error))
    except NotAllowed as error:
        await context.abort(grpc.StatusCode.PERMISSION_DENIED, str(error))
    except WrongState as error:
        await context.abort(grpc.StatusCode.FAILED_PRECONDITION, str(error))
    except (ComposeError, ValueError) as error:
        await context.abort(grpc.StatusCode.INVALID_ARGUMENT, str(error))
    except FhirStoreError as error:
        status = _STORE_STATUS.get(error.code, grpc.StatusCode.UNAVAILABLE)
        await context.abort(status, f"FHIR store: {error.code.name}")
    except grpc.aio.AioRpcError as error:
        await context.abort(
            grpc.StatusCode.UNAVAILABLE, f"a dependency failed: {error.code().name}"
        )
    raise AssertionError("unreachable: abort raises")


class NotFound(LookupError):
    """The request names something that is not there."""


def _is_practitioner(actor: common_pb2.Actor) -> bool:
    return actor.kind == common_pb2.ACTOR_KIND_PRACTITIONER


class ReportServicer(report_pb2_grpc.ReportServiceServicer):
    def __init__(
        self,
        composer: Composer,
        lifecycle: ReportLifecycle,
        store: FhirStoreClient,
        messages: ReportMessages,
        key_images: KeyImages,
    ) -> None:
        self._composer = composer
        self._lifecycle = lifecycle
        self._store = store
        self._messages = messages
        self._key_images = key_images

    async def Compose(
        self, request: report_pb2.ComposeRequest, context: Context
    ) -> report_pb2.ComposeResponse:
        if not request.study_instance_uid or not request.result_set_digest:
            await context.abort(
                grpc.StatusCode.INVALID_ARGUMENT, "study_instance_uid and result_set_digest"
            )
        order = ComposeOrder(
            study_uid=request.study_instance_uid,
            imaging_study=request.imaging_study.reference,
            patient=request.patient.reference,
            findings=[f.reference for f in request.findings],
            digest=request.result_set_digest,
            study_version=request.imaging_study.version_id,
            job_id=request.job_id[:128],
        )
        composed = await _answer(context, self._composer.compose(order))
        reference = common_pb2.FhirReference(
            reference=f"DiagnosticReport/{composed.report['id']}",
            version_id=str(composed.report.get("meta", {}).get("versionId", "")),
        )
        return report_pb2.ComposeResponse(diagnostic_report=reference, duplicate=composed.duplicate)

    async def GetReport(
        self, request: report_pb2.GetReportRequest, context: Context
    ) -> report_pb2.GetReportResponse:
        report = await _answer(context, self._find(request))
        if report is None:
            await context.abort(grpc.StatusCode.NOT_FOUND, "no report for that key")
        message = await _answer(context, self._messages.report(report, not request.omit_documents))
        return report_pb2.GetReportResponse(report=message)

    async def _find(self, request: report_pb2.GetReportRequest) -> Resource | None:
        if request.WhichOneof("key") == "diagnostic_report_id":
            return await self._store.get("DiagnosticReport", request.diagnostic_report_id)
        if request.WhichOneof("key") == "study_instance_uid":
            return await current_report(self._store, request.study_instance_uid)
        raise ValueError("give diagnostic_report_id or study_instance_uid")

    async def SignReport(
        self, request: report_pb2.SignReportRequest, context: Context
    ) -> report_pb2.SignReportResponse:
        signed = await _answer(context, self._lifecycle.sign(
            request.diagnostic_report_id, request.signer.reference,
            _is_practitioner(request.signer), request.if_match_version_id,
        ))  # fmt: skip
        message = await _answer(context, self._messages.report(signed, True))
        return report_pb2.SignReportResponse(report=message)

    async def AmendReport(
        self, request: report_pb2.AmendReportRequest, context: Context
    ) -> report_pb2.AmendReportResponse:
        amended = await _answer(context, self._lifecycle.amend(
            request.diagnostic_report_id, request.author.reference,
            _is_practitioner(request.author), request.conclusion, request.reason,
            request.if_match_version_id,
        ))  # fmt: skip
        message = await _answer(context, self._messages.report(amended, True))
        return report_pb2.AmendReportResponse(report=message)

    async def GetKeyImage(
        self, request: report_pb2.GetKeyImageRequest, context: Context
    ) -> report_pb2.GetKeyImageResponse:
        if not request.diagnostic_report_id or not request.observation_id:
            await context.abort(
                grpc.StatusCode.INVALID_ARGUMENT, "diagnostic_report_id and observation_id"
            )
        shown = await _answer(context, self._key_slice(request))
        return report_pb2.GetKeyImageResponse(
            image_png=shown.image_png, overlay_png=shown.overlay_png, slice_index=shown.index,
            slice_count=shown.count, key_slice_index=shown.key_index, window=shown.window.name,
            window_center=shown.window.center, window_width=shown.window.width,
            sop_instance_uid=shown.sop_instance_uid,
        )  # fmt: skip

    async def _key_slice(self, request: report_pb2.GetKeyImageRequest) -> KeySlice:
        report = await self._store.get("DiagnosticReport", request.diagnostic_report_id)
        wanted = f"Observation/{request.observation_id}"
        if wanted not in {r.get("reference") for r in report.get("result", [])}:
            raise NotFound("the observation is not a finding of this report")
        observation = await self._store.get("Observation", request.observation_id)
        window = (request.window, request.window_center, request.window_width)
        return await self._key_images.slice(
            study_uid_of(report), observation, request.slice_offset, window
        )
