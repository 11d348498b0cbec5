"""The risk service's gRPC server."""

from radcds.risk.v1 import risk_pb2, risk_pb2_grpc
from radcds_kit.runtime import ServiceRuntime

from radcds_risk.settings import RiskSettings

SERVICE_NAME = risk_pb2.DESCRIPTOR.services_by_name["RiskService"].full_name


def build_runtime(settings: RiskSettings) -> ServiceRuntime:
    runtime = ServiceRuntime("risk", settings)
    runtime.add_servicer(
        risk_pb2_grpc.add_RiskServiceServicer_to_server,
        # Assess and ListCalculators answer UNIMPLEMENTED until their issue lands.
        risk_pb2_grpc.RiskServiceServicer(),  # type: ignore[abstract]
        SERVICE_NAME,
    )
    return runtime
