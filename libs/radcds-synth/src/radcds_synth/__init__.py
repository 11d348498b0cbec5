"""Synthetic patients for radcds: CT series with known ground truth and FHIR R4 records.

Not real patients and not for clinical use; the names and identifiers are still handled as
PHI (never logged).
"""

from radcds_synth.chest_ct import NoduleSpec, write_chest_ct
from radcds_synth.cohort import (
    Finding,
    PatientPlan,
    assign_findings,
    generate_cohort,
    generate_patient,
    parse_mix,
    plan_patient,
)
from radcds_synth.ct_series import Compression
from radcds_synth.geometry import CLINICAL, SMALL, THIN, TINY, SeriesSize
from radcds_synth.haemorrhage_sites import HaemorrhageSpec
from radcds_synth.head_ct import write_head_ct
from radcds_synth.identity import StudyIdentity, UidSource
from radcds_synth.record import build_record, validate_bundle
from radcds_synth.record_facts import record_facts

__all__ = [
    "CLINICAL",
    "SMALL",
    "THIN",
    "TINY",
    "Compression",
    "Finding",
    "HaemorrhageSpec",
    "NoduleSpec",
    "PatientPlan",
    "SeriesSize",
    "StudyIdentity",
    "UidSource",
    "assign_findings",
    "build_record",
    "generate_cohort",
    "generate_patient",
    "parse_mix",
    "plan_patient",
    "record_facts",
    "validate_bundle",
    "write_chest_ct",
    "write_head_ct",
]
