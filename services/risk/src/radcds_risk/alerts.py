"""Alert levels a result carries to the CDS cards."""

from enum import IntEnum


class AlertLevel(IntEnum):
    NONE = 1
    INFO = 2
    WARNING = 3
    CRITICAL = 4
