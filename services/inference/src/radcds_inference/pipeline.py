"""One job, start to stored results: pull, route, prepare, infer, read, store.

Permanent problems (a series that is not one volume, a model whose configuration the
service cannot use, a SEG that ingestion refuses) raise JobFailed; everything else (a peer or
Triton unavailable) raises something the worker retries.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass

import numpy as np
import pydicom
from opentelemetry import trace
from radcds_kit.fhir_store import FhirStoreClient, FhirStoreError
from radcds_kit.telemetry import current_traceparent

from radcds_inference import fhir
from radcds_inference.model_config import ModelConfigError, ModelSpec
from radcds_inference.peers import Ingestion, PeerError, store_error
from radcds_inference.postprocess import Finding, key_slice, read_outputs
from radcds_inference.routing import Route, RoutingTable, SeriesFacts
from radcds_inference.seg import build_seg
from radcds_inference.triton import TritonModels
from radcds_inference.volume import SeriesError, hu_volume, to_model_grid, to_source_grid

log = logging.getLogger(__name__)
tracer = trace.get_tracer("radcds_inference")


class JobFailed(RuntimeError):
    """The job cannot succeed however often it is tried; the message is the reason."""


@dataclass(frozen=True)
class JobOutcome:
    runs: list[dict[str, str]]
    findings: list[str]


def series_facts(uid: str, datasets: list[pydicom.Dataset]) -> SeriesFacts:
    first = datasets[0]
    thickness = first.get("SliceThickness")
    return SeriesFacts(
        series_instance_uid=uid,
        modality=str(first.get("Modality", "")),
        body_part_examined=str(first.get("BodyPartExamined", "")),
        series_description=str(first.get("SeriesDescription", "")),
        slice_thickness_mm=float(thickness) if thickness not in (None, "") else None,
        slices=len(datasets),
    )


class JobPipeline:
    def __init__(
        self,
        routing: RoutingTable,
        triton: TritonModels,
        ingestion: Ingestion,
        fhir_store: FhirStoreClient,
    ) -> None:
        self.routing = routing
        self.triton = triton
        self.ingestion = ingestion
        self.fhir_store = fhir_store

    async def run(
        self, job_id: str, study_uid: str, study_ref: str, patient: str
    ) -> JobOutcome | None:
        """Stores the job's results and returns them; None when no model applies."""
        series = await self.ingestion.pull_study(study_uid)
        routes = self.routing.routes(series_facts(uid, ds) for uid, ds in series.items())
        if not routes:
            return None
        results = [
            await self._run_model(job_id, route, series[route.series_instance_uid])
            for route in routes
        ]
        segs = [seg for _, seg in results if seg is not None]
        if segs:
            await self._store_segs(segs)
        model_results = [result for result, _ in results]
        with tracer.start_as_current_span("inference.store_findings"):
            # Each finding carries the trace context of its write: the gateway places the
            # cards it builds from it in this trace (docs/architecture.md, Telemetry).
            bundle, refs = fhir.transaction(
                job_id, study_ref, patient, model_results, current_traceparent()
            )
            try:
                await self.fhir_store.transaction(bundle)
            except FhirStoreError as error:
                raise store_error("Transaction", error) from error
        runs = [
            {
                "model_name": r.spec.name,
                "model_version": r.spec.version,
                "series_instance_uid": r.series_instance_uid,
            }
            for r in model_results
        ]
        return JobOutcome(runs=runs, findings=refs)

    async def _run_model(
        self, job_id: str, route: Route, datasets: list[pydicom.Dataset]
    ) -> tuple[fhir.ModelResult, pydicom.Dataset | None]:
        try:
            spec = await self.triton.spec(route.model)
        except ModelConfigError as error:
            raise JobFailed(str(error)) from error
        try:
            volume = await asyncio.to_thread(hu_volume, datasets)
        except SeriesError as error:
            raise JobFailed(f"series {route.series_instance_uid}: {error}") from error
        hu, mapping = to_model_grid(volume, spec.spacing_mm, spec.input_shape, spec.fill_hu)
        outputs = await self.triton.infer(spec, hu[np.newaxis, np.newaxis])
        finding = read_outputs(spec, hu, {name: value[0] for name, value in outputs.items()})
        source_mask = to_source_grid(finding.mask, mapping)
        seg = None
        if source_mask.any():
            seg = await asyncio.to_thread(build_seg, spec, job_id, volume, datasets, source_mask)
        result = fhir.ModelResult(
            spec=spec,
            series_instance_uid=route.series_instance_uid,
            finding=finding,
            key_image_uid=_key_image(volume_order(datasets, source_mask)),
            seg_uid=str(seg.SOPInstanceUID) if seg is not None else None,
        )
        log.info("model run", extra={"model": spec.name, "positive": _positive(finding)})
        return result, seg

    async def _store_segs(self, segs: list[pydicom.Dataset]) -> None:
        try:
            await self.ingestion.store(segs)
        except PeerError as error:
            if not error.transient:
                raise JobFailed(str(error)) from error
            raise


def volume_order(datasets: list[pydicom.Dataset], mask: np.ndarray) -> pydicom.Dataset | None:
    """The source image on the key slice: the slice of the mask with the most voxels."""
    index = key_slice(mask)
    if index is None:
        return None
    ordered = sorted(datasets, key=lambda ds: float(ds.ImagePositionPatient[2]))
    return ordered[min(index, len(ordered) - 1)]


def _key_image(dataset: pydicom.Dataset | None) -> str | None:
    return str(dataset.SOPInstanceUID) if dataset is not None else None


def _positive(finding: Finding) -> bool:
    return bool(finding.present)


__all__ = ["JobFailed", "JobOutcome", "JobPipeline", "ModelSpec"]
