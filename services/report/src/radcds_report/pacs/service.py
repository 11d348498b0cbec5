"""Wires PACS delivery into the report service when destinations are configured."""

from dataclasses import dataclass

from radcds_kit.fhir_store import FhirStoreClient
from radcds_kit.runtime import ServiceRuntime

from radcds_report.ingestion import InstanceStream
from radcds_report.pacs.cstore import StoreScu
from radcds_report.pacs.publications import PublicationQueue
from radcds_report.pacs.publisher import ReportPublisher
from radcds_report.pacs.retry import RetryPolicy
from radcds_report.pacs.senders import Senders
from radcds_report.pacs.sources import IngestionSources
from radcds_report.pacs.stow import StowClient
from radcds_report.pacs.worker import DeliveryWorker
from radcds_report.settings import ReportSettings
from radcds_report.state import ReportState


@dataclass(frozen=True)
class PacsDelivery:
    queue: PublicationQueue
    worker: DeliveryWorker


def add_pacs_delivery(
    runtime: ServiceRuntime,
    settings: ReportSettings,
    store: FhirStoreClient,
    state: ReportState,
    instances: InstanceStream,
) -> PacsDelivery:
    """The publication queue and its worker, delivering to the configured destinations."""
    destinations = list(settings.report_pacs_destinations)
    retry = RetryPolicy(settings.report_pacs_retry_base_s, settings.report_pacs_retry_cap_s)
    queue = PublicationQueue(state.engine)
    publisher = ReportPublisher(
        store, state, queue, IngestionSources(instances), destinations, retry
    )
    senders = Senders(
        StoreScu(settings.report_pacs_ae_title, settings.report_pacs_timeout_s),
        StowClient(settings.report_pacs_timeout_s),
    )
    worker = DeliveryWorker(
        state, publisher, senders, destinations, retry, settings.report_pacs_poll_s
    )
    runtime.add_background(worker.run, worker.stop)
    return PacsDelivery(queue, worker)
