"""Key images as PNG: the slice in a window, the AI mask as a red layer, and the two
composed with the annotations a radiologist expects on a key image."""

import io
import math

import numpy as np
from numpy.typing import NDArray
from PIL import Image, ImageDraw, ImageFont

from radcds_report.key_images.windows import Window

MASK_RGB = (230, 30, 30)
FILL_ALPHA = 90  # of 255: the anatomy under the mask stays readable
# The report's key image is drawn at least this wide, so that a 64-pixel series is not a
# postage stamp in the PDF.
REPORT_SIZE = 512


def windowed(hu: NDArray[np.int16], window: Window) -> NDArray[np.uint8]:
    """PS3.3 C.11.2.1.2.1 linear VOI: centre and width to 0..255."""
    low = window.center - 0.5 - (window.width - 1) / 2
    scaled = (hu.astype(np.float32) - low) / max(window.width - 1, 1.0)
    grey: NDArray[np.uint8] = (np.clip(scaled, 0.0, 1.0) * 255).round().astype(np.uint8)
    return grey


def _png(image: Image.Image, optimize: bool = False) -> bytes:
    """The viewer's slices are encoded fast; the report's key image small (optimize)."""
    buffer = io.BytesIO()
    if optimize:
        image.save(buffer, format="PNG", optimize=True)
    else:
        image.save(buffer, format="PNG", compress_level=1)
    return buffer.getvalue()


def slice_png(hu: NDArray[np.int16], window: Window) -> bytes:
    return _png(Image.fromarray(windowed(hu, window), mode="L"))


def overlay_png(mask: NDArray[np.bool_]) -> bytes:
    """RGBA of the slice's size: red where the mask is set, fully transparent elsewhere."""
    rgba = np.zeros((*mask.shape, 4), dtype=np.uint8)
    rgba[mask] = (*MASK_RGB, 160)
    return _png(Image.fromarray(rgba, mode="RGBA"))


def _outline(mask: NDArray[np.bool_], thickness: int) -> NDArray[np.bool_]:
    interior = mask.copy()
    for _ in range(thickness):
        shrunk = interior.copy()
        shrunk[1:, :] &= interior[:-1, :]
        shrunk[:-1, :] &= interior[1:, :]
        shrunk[:, 1:] &= interior[:, :-1]
        shrunk[:, :-1] &= interior[:, 1:]
        interior = shrunk
    return mask & ~interior


def _upscaled(grey: NDArray[np.uint8], mask: NDArray[np.bool_], scale: int) -> tuple[
    Image.Image, NDArray[np.bool_]
]:  # fmt: skip
    size = (grey.shape[1] * scale, grey.shape[0] * scale)
    image = Image.fromarray(grey, mode="L").resize(size, Image.Resampling.BICUBIC)
    # Bilinear then half: a smooth contour that keeps the mask's area.
    soft = Image.fromarray(mask.astype(np.uint8) * 255, mode="L").resize(
        size, Image.Resampling.BILINEAR
    )
    return image, np.asarray(soft) >= 128


def _annotate(image: Image.Image, lines: tuple[str, str], sides: tuple[str, str]) -> None:
    draw = ImageDraw.Draw(image)
    font = ImageFont.load_default(size=max(12, image.width // 32))
    margin = image.width // 64 + 2
    draw.text((margin, margin), lines[0], fill=(255, 255, 255), font=font, stroke_width=2,
              stroke_fill=(0, 0, 0))  # fmt: skip
    draw.text((margin, image.height - margin), lines[1], fill=(255, 255, 255), font=font,
              anchor="ld", stroke_width=2, stroke_fill=(0, 0, 0))  # fmt: skip
    middle = image.height // 2
    for x, side, anchor in ((margin, sides[0], "lm"), (image.width - margin, sides[1], "rm")):
        draw.text((x, middle), side, fill=(255, 220, 0), font=font, anchor=anchor,
                  stroke_width=2, stroke_fill=(0, 0, 0))  # fmt: skip


def orientation_sides(row_direction: tuple[float, float, float]) -> tuple[str, str]:
    """The patient sides at the image's left and right edge (LPS: +x is the patient's left)."""
    x = row_direction[0]
    if abs(x) < 0.5:
        return ("", "")
    return ("R", "L") if x > 0 else ("L", "R")


def key_image_png(
    hu: NDArray[np.int16],
    mask: NDArray[np.bool_],
    window: Window,
    caption: tuple[str, str],
    sides: tuple[str, str],
) -> bytes:
    """The report's key image: the slice in `window`, the mask tinted with a solid outline,
    the window and slice burned in top and bottom, the patient's sides at the edges."""
    scale = max(1, math.ceil(REPORT_SIZE / max(hu.shape)))
    grey, big_mask = _upscaled(windowed(hu, window), mask, scale)
    rgb = np.repeat(np.asarray(grey)[:, :, None], 3, axis=2).astype(np.float32)
    tint = np.array(MASK_RGB, dtype=np.float32)
    alpha = FILL_ALPHA / 255
    rgb[big_mask] = rgb[big_mask] * (1 - alpha) + tint * alpha
    rgb[_outline(big_mask, max(1, scale // 4))] = tint
    image = Image.fromarray(rgb.round().astype(np.uint8), mode="RGB")
    _annotate(image, caption, sides)
    return _png(image, optimize=True)
