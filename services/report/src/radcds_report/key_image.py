"""A key image: one CT slice in a clinical window with the AI mask drawn over it."""

import io
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from PIL import Image


@dataclass(frozen=True)
class Window:
    """A display window in Hounsfield units (PS3.3 C.11.2.1.2, centre and width)."""

    center: float
    width: float


# Common CT windows; the brain window suits haemorrhage, the lung window nodules.
BRAIN = Window(40, 80)
LUNG = Window(-600, 1500)
MASK_COLOUR = np.array([230, 30, 30], dtype=np.float32)
MASK_OPACITY = 0.45


def apply_window(hu: NDArray[np.floating], window: Window) -> NDArray[np.uint8]:
    low = window.center - window.width / 2
    scaled = (hu.astype(np.float32) - low) / window.width
    grey: NDArray[np.uint8] = (np.clip(scaled, 0.0, 1.0) * 255).astype(np.uint8)
    return grey


def _outline(mask: NDArray[np.bool_]) -> NDArray[np.bool_]:
    interior = mask.copy()
    interior[1:, :] &= mask[:-1, :]
    interior[:-1, :] &= mask[1:, :]
    interior[:, 1:] &= mask[:, :-1]
    interior[:, :-1] &= mask[:, 1:]
    return mask & ~interior


def key_image_png(
    hu: NDArray[np.floating], mask: NDArray[np.bool_] | None, window: Window
) -> bytes:
    """The slice as PNG: greyscale in `window`, the mask tinted with a solid outline."""
    grey = apply_window(hu, window)
    rgb = np.repeat(grey[:, :, None], 3, axis=2).astype(np.float32)
    if mask is not None and mask.any():
        if mask.shape != hu.shape:
            raise ValueError(f"mask shape {mask.shape} does not match slice {hu.shape}")
        rgb[mask] = rgb[mask] * (1 - MASK_OPACITY) + MASK_COLOUR * MASK_OPACITY
        rgb[_outline(mask)] = MASK_COLOUR
    buffer = io.BytesIO()
    Image.fromarray(rgb.astype(np.uint8), mode="RGB").save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()
