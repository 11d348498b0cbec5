"""CT display windows (PS3.3 C.11.2.1.2: a centre and a width, here in Hounsfield units).

Values are the common radiology presets (Radiopaedia, "Windowing (CT)"): brain W80/L40
for haemorrhage, lung W1500/L-600 for nodules.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class Window:
    name: str
    center: float
    width: float

    @property
    def label(self) -> str:
        return f"W{self.width:g} L{self.center:g}"


NAMED_WINDOWS = {
    w.name: w
    for w in (
        Window("brain", 40, 80),
        Window("subdural", 75, 215),
        Window("bone", 400, 1800),
        Window("lung", -600, 1500),
        Window("mediastinum", 50, 350),
    )
}

# The window a finding is read in, by its AI finding code or SNOMED CT code.
FINDING_WINDOWS = {
    "intracranial-hemorrhage": "brain",
    "1386000": "brain",
    "lung-nodule": "lung",
    "27925004": "lung",
}


class InvalidWindow(ValueError):
    """An unknown window name, or a width that is not positive."""


def finding_window(codes: list[str]) -> Window | None:
    for code in codes:
        if code in FINDING_WINDOWS:
            return NAMED_WINDOWS[FINDING_WINDOWS[code]]
    return None


def choose_window(name: str, center: float, width: float, default: Window | None) -> Window | None:
    """An explicit width wins, then a named window, then the finding's; None: the image's own."""
    if width < 0 or (width == 0 and center != 0):
        raise InvalidWindow("a window width must be positive")
    if width > 0:
        return Window("custom", center, width)
    if name:
        if name not in NAMED_WINDOWS:
            raise InvalidWindow(f"unknown window {name!r}; known: {', '.join(NAMED_WINDOWS)}")
        return NAMED_WINDOWS[name]
    return default
