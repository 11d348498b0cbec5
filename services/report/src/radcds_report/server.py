"""The report service's gRPC server."""

from radcds.report.v1 import report_pb2, report_pb2_grpc
from radcds_kit.runtime import ServiceRuntime

from radcds_report.settings import ReportSettings

SERVICE_NAME = report_pb2.DESCRIPTOR.services_by_name["ReportService"].full_name


def build_runtime(settings: ReportSettings) -> ServiceRuntime:
    runtime = ServiceRuntime("report", settings)
    runtime.add_servicer(
        report_pb2_grpc.add_ReportServiceServicer_to_server,
        # Compose, GetReport, SignReport, AmendReport: UNIMPLEMENTED until their issue.
        report_pb2_grpc.ReportServiceServicer(),  # type: ignore[abstract]
        SERVICE_NAME,
    )
    return runtime
