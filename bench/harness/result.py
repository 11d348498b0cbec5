"""The result format every benchmark writes with `--json PATH`, and the harness reads.

A benchmark's result is a list of figures. A figure is one number the benchmark measured
(`value`), optionally beside the same number for its reference measured in the same run
(`reference`), their ratio, and the aim the issue set for it. `raw` keeps whatever else the
benchmark printed, for the JSON record.
"""

from __future__ import annotations

import json
import operator
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

Comparison = Literal["<", "<=", ">", ">="]
_COMPARE = {"<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge}


@dataclass(frozen=True)
class Aim:
    """`on` ("value" or "ratio") `op` `threshold`, e.g. Aim("ratio", ">=", 1.0)."""

    on: Literal["value", "ratio"]
    op: Comparison
    threshold: float

    def met(self, figure: Figure) -> bool | None:
        measured = figure.value if self.on == "value" else figure.ratio
        if measured is None:
            return None
        return bool(_COMPARE[self.op](measured, self.threshold))

    def describe(self, unit: str) -> str:
        if self.on == "ratio":
            return f"ratio {self.op} {self.threshold:g}"
        return f"{self.op} {self.threshold:g} {unit}".rstrip()


@dataclass(frozen=True)
class Figure:
    name: str
    value: float
    unit: str
    reference: float | None = None
    reference_name: str = ""
    # value / reference unless the benchmark defines it otherwise (then it says so in name).
    ratio: float | None = None
    aim: Aim | None = None

    @classmethod
    def against(
        cls,
        name: str,
        value: float,
        unit: str,
        reference: float,
        reference_name: str,
        aim: Aim | None = None,
    ) -> Figure:
        ratio = value / reference if reference else None
        return cls(name, value, unit, reference, reference_name, ratio, aim)

    @property
    def met(self) -> bool | None:
        return self.aim.met(self) if self.aim else None

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["met"] = self.met
        data["aim_text"] = self.aim.describe(self.unit) if self.aim else ""
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Figure:
        aim = Aim(**data["aim"]) if data.get("aim") else None
        fields = ("name", "value", "unit", "reference", "reference_name", "ratio")
        return cls(**{k: data.get(k) for k in fields}, aim=aim)  # type: ignore[arg-type]


@dataclass
class BenchResult:
    """What one benchmark measured, with the load average around it."""

    benchmark: str
    figures: list[Figure]
    parameters: dict[str, Any] = field(default_factory=dict)
    raw: dict[str, Any] = field(default_factory=dict)
    load_before: float = 0.0
    load_after: float = 0.0
    error: str = ""
    started: str = ""
    seconds: float = 0.0

    def to_json(self) -> dict[str, Any]:
        return {
            "benchmark": self.benchmark,
            "figures": [f.to_json() for f in self.figures],
            "parameters": self.parameters,
            "raw": self.raw,
            "load_before": self.load_before,
            "load_after": self.load_after,
            "error": self.error,
            "started": self.started,
            "seconds": self.seconds,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> BenchResult:
        return cls(
            benchmark=data["benchmark"],
            figures=[Figure.from_json(f) for f in data.get("figures", [])],
            parameters=data.get("parameters", {}),
            raw=data.get("raw", {}),
            load_before=data.get("load_before", 0.0),
            load_after=data.get("load_after", 0.0),
            error=data.get("error", ""),
            started=data.get("started", ""),
            seconds=data.get("seconds", 0.0),
        )


def load_average() -> float:
    return os.getloadavg()[0]


def write_result(path: Path | None, result: BenchResult) -> None:
    """Writes the result where the harness asked (`--json PATH`); nothing when run alone."""
    if path is None:
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(result.to_json(), indent=2) + "\n")


def read_result(path: Path) -> BenchResult:
    return BenchResult.from_json(json.loads(path.read_text()))
