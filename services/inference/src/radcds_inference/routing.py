"""Routing rules: which series of a study go to which model, by DICOM attributes.

Rules come from YAML (settings.inference_routing). Each condition is optional; a series
matches a rule when all of the rule's conditions hold.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml


class RoutingError(ValueError):
    """The routing file is malformed; the message says where."""


@dataclass(frozen=True)
class SeriesFacts:
    """What routing looks at, from the series' DICOM headers."""

    series_instance_uid: str
    modality: str
    body_part_examined: str
    series_description: str
    slice_thickness_mm: float | None
    slices: int


@dataclass(frozen=True)
class Rule:
    name: str
    model: str
    modality: str | None = None
    body_parts: frozenset[str] | None = None
    description: re.Pattern[str] | None = None
    thickness_mm: tuple[float, float] | None = None
    min_slices: int = 1

    def matches(self, series: SeriesFacts) -> bool:
        if self.modality and series.modality.upper() != self.modality.upper():
            return False
        if self.body_parts and series.body_part_examined.upper() not in self.body_parts:
            return False
        if self.description and not self.description.search(series.series_description):
            return False
        if self.thickness_mm is not None:
            low, high = self.thickness_mm
            thickness = series.slice_thickness_mm
            if thickness is None or not low <= thickness <= high:
                return False
        return series.slices >= self.min_slices


@dataclass(frozen=True)
class Route:
    rule: str
    model: str
    series_instance_uid: str


@dataclass(frozen=True)
class RoutingTable:
    rules: tuple[Rule, ...]

    @property
    def models(self) -> list[str]:
        return sorted({rule.model for rule in self.rules})

    def routes(self, series: Iterable[SeriesFacts]) -> list[Route]:
        """Every (model, series) pair a rule selects; one series per model (the one with the
        most slices when several match)."""
        chosen: dict[str, tuple[int, Route]] = {}
        for facts in series:
            for rule in self.rules:
                if not rule.matches(facts):
                    continue
                route = Route(rule.name, rule.model, facts.series_instance_uid)
                if rule.model not in chosen or facts.slices > chosen[rule.model][0]:
                    chosen[rule.model] = (facts.slices, route)
        return [route for _, route in sorted(chosen.values(), key=lambda item: item[1].model)]


def load_routing(path: Path) -> RoutingTable:
    try:
        document = yaml.safe_load(path.read_text())
    except (OSError, yaml.YAMLError) as error:
        raise RoutingError(f"{path}: {error}") from error
    if not isinstance(document, dict) or not isinstance(document.get("rules"), list):
        raise RoutingError(f"{path}: expected a mapping with a list under 'rules'")
    return RoutingTable(tuple(_rule(item, i, path) for i, item in enumerate(document["rules"])))


def _rule(item: Any, index: int, path: Path) -> Rule:
    where = f"{path}: rules[{index}]"
    if not isinstance(item, dict) or not item.get("model"):
        raise RoutingError(f"{where}: needs a 'model'")
    parts = item.get("body_part_examined")
    if isinstance(parts, str):
        parts = [parts]
    thickness = item.get("slice_thickness_mm")
    if thickness is not None and (not isinstance(thickness, list) or len(thickness) != 2):
        raise RoutingError(f"{where}: slice_thickness_mm must be [low, high]")
    try:
        pattern = re.compile(item["series_description"]) if item.get("series_description") else None
    except re.error as error:
        raise RoutingError(f"{where}: series_description: {error}") from error
    return Rule(
        name=str(item.get("name", f"rule-{index}")),
        model=str(item["model"]),
        modality=item.get("modality"),
        body_parts=frozenset(str(p).upper() for p in parts) if parts else None,
        description=pattern,
        thickness_mm=(float(thickness[0]), float(thickness[1])) if thickness else None,
        min_slices=int(item.get("min_slices", 1)),
    )
