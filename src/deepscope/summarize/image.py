"""Images -> PNG bytes, with no imaging library needed (PIL images are accepted if given).

Accepted arrays: ``H x W`` (grey), ``H x W x C`` or ``C x H x W`` with ``C`` in 1, 3, 4.
Floats are taken as 0..1 and clipped; integers as 0..255.
"""

from __future__ import annotations

import hashlib
import io
import struct
import zlib
from dataclasses import dataclass
from typing import Any

import numpy as np

_PNG_COLOR_TYPES = {1: 0, 3: 2, 4: 6}  # channels -> PNG colour type (grey, RGB, RGBA)
_MAX_SIDE = 16384  # refuse absurd images instead of writing gigabytes


@dataclass(frozen=True)
class EncodedImage:
    """A PNG image ready to store."""

    data: bytes
    sha256: str
    width: int
    height: int
    mime: str = "image/png"


def encode_image(image: Any) -> EncodedImage:
    """Encode an array, tensor or PIL image as PNG.

    Raises:
        TypeError: the value is not an image.
        ValueError: the array's shape cannot be read as an image.
    """
    if hasattr(image, "save") and hasattr(image, "mode"):  # PIL.Image, without importing PIL
        buf = io.BytesIO()
        image.save(buf, format="PNG")
        data = buf.getvalue()
        w, h = image.size
        return EncodedImage(data, hashlib.sha256(data).hexdigest(), int(w), int(h))
    if hasattr(image, "detach"):  # a torch tensor, without importing torch
        image = image.detach().cpu().numpy()
    a = np.asarray(image)
    if a.dtype.kind not in "biuf":
        raise TypeError(f"expected an image array, PIL image or tensor, got {type(image).__name__}"
                        f" with dtype {a.dtype}")
    pixels = _to_hwc_uint8(a)
    data = _png(pixels)
    return EncodedImage(data, hashlib.sha256(data).hexdigest(), pixels.shape[1], pixels.shape[0])


def _to_hwc_uint8(a: np.ndarray[Any, Any]) -> np.ndarray[Any, np.dtype[np.uint8]]:
    if a.ndim == 2:
        a = a[:, :, None]
    elif a.ndim == 3 and a.shape[-1] not in _PNG_COLOR_TYPES and a.shape[0] in _PNG_COLOR_TYPES:
        a = np.transpose(a, (1, 2, 0))  # CHW (PyTorch's layout) -> HWC
    if a.ndim != 3 or a.shape[-1] not in _PNG_COLOR_TYPES:
        raise ValueError(f"cannot read an array of shape {a.shape} as an image: expected HxW, "
                         f"HxWxC or CxHxW with C in 1, 3, 4")
    if not (0 < a.shape[0] <= _MAX_SIDE and 0 < a.shape[1] <= _MAX_SIDE):
        raise ValueError(f"image of {a.shape[1]}x{a.shape[0]} pixels is empty or larger than "
                         f"{_MAX_SIDE} on a side")
    if a.dtype.kind == "f":
        a = np.clip(np.nan_to_num(a, nan=0.0), 0.0, 1.0) * 255.0 + 0.5
    else:
        a = np.clip(a, 0, 255)
    return np.ascontiguousarray(a.astype(np.uint8))


def _png(pixels: np.ndarray[Any, np.dtype[np.uint8]]) -> bytes:
    h, w, c = pixels.shape
    raw = np.empty((h, 1 + w * c), dtype=np.uint8)
    raw[:, 0] = 0  # filter type "none" per scanline
    raw[:, 1:] = pixels.reshape(h, w * c)
    header = struct.pack(">IIBBBBB", w, h, 8, _PNG_COLOR_TYPES[c], 0, 0, 0)
    return b"".join([b"\x89PNG\r\n\x1a\n", _chunk(b"IHDR", header),
                     _chunk(b"IDAT", zlib.compress(raw.tobytes(), 6)), _chunk(b"IEND", b"")])


def _chunk(kind: bytes, body: bytes) -> bytes:
    crc = zlib.crc32(kind + body) & 0xFFFFFFFF
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)
