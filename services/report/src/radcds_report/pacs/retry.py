"""Exponential backoff for failed publications and deliveries; never a last attempt."""

from dataclasses import dataclass


@dataclass(frozen=True)
class RetryPolicy:
    base_s: float
    cap_s: float

    def backoff_s(self, attempts: int) -> float:
        """Seconds before the next try after `attempts` failures: base, 2 base, ... cap."""
        exponent = min(max(attempts - 1, 0), 32)
        return float(min(self.cap_s, self.base_s * 2**exponent))
