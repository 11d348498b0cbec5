"""Pulmonary nodule attenuation, shared by the Brock model and the Fleischner table."""

from enum import StrEnum


class NoduleType(StrEnum):
    SOLID = "solid"
    PART_SOLID = "part_solid"
    # Pure ground glass.
    NONSOLID = "nonsolid"
