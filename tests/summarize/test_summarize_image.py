"""Images to PNG without an imaging library; PIL reads what we write."""

from __future__ import annotations

import hashlib
import io
import struct
import zlib

import numpy as np
import pytest

from deepscope.summarize.image import encode_image

PIL_Image = pytest.importorskip("PIL.Image")
SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _chunks(png: bytes) -> list[tuple[bytes, bytes]]:
    """Parse PNG chunks, checking each CRC."""
    assert png[:8] == SIGNATURE
    out, pos = [], 8
    while pos < len(png):
        (length,) = struct.unpack(">I", png[pos:pos + 4])
        kind = png[pos + 4:pos + 8]
        body = png[pos + 8:pos + 8 + length]
        (crc,) = struct.unpack(">I", png[pos + 8 + length:pos + 12 + length])
        assert crc == zlib.crc32(kind + body) & 0xFFFFFFFF, f"bad CRC in {kind!r}"
        out.append((kind, body))
        pos += 12 + length
    assert pos == len(png)
    return out


def _decode(png: bytes) -> np.ndarray:
    img = PIL_Image.open(io.BytesIO(png))
    img.load()
    return np.asarray(img)


@pytest.mark.parametrize(("shape", "dtype", "size", "channels", "mode"), [
    ((6, 9), np.uint8, (9, 6), 1, "L"),
    ((6, 9), np.float32, (9, 6), 1, "L"),
    ((6, 9, 3), np.uint8, (9, 6), 3, "RGB"),
    ((6, 9, 3), np.float64, (9, 6), 3, "RGB"),
    ((6, 9, 4), np.uint8, (9, 6), 4, "RGBA"),
    ((6, 9, 1), np.uint8, (9, 6), 1, "L"),
    ((3, 6, 9), np.float32, (9, 6), 3, "RGB"),  # CxHxW (PyTorch layout)
    ((3, 6, 9), np.uint8, (9, 6), 3, "RGB"),
    ((1, 6, 9), np.float32, (9, 6), 1, "L"),
    ((4, 6, 9), np.uint8, (9, 6), 4, "RGBA"),
    ((1, 1), np.uint8, (1, 1), 1, "L"),
])
def test_valid_png(shape: tuple[int, ...], dtype: type, size: tuple[int, int], channels: int,
                   mode: str) -> None:
    rng = np.random.default_rng(0)
    if np.issubdtype(dtype, np.floating):
        a = rng.random(shape).astype(dtype)
    else:
        a = rng.integers(0, 256, shape).astype(dtype)
    img = encode_image(a)
    assert (img.width, img.height) == size
    assert img.mime == "image/png"
    assert img.sha256 == hashlib.sha256(img.data).hexdigest()
    chunks = _chunks(img.data)
    assert [k for k, _ in chunks] == [b"IHDR", b"IDAT", b"IEND"]
    w, h, depth, color, _, _, _ = struct.unpack(">IIBBBBB", chunks[0][1])
    assert (w, h, depth) == (*size, 8)
    assert color == {1: 0, 3: 2, 4: 6}[channels]
    pixels = _decode(img.data)
    pil = PIL_Image.open(io.BytesIO(img.data))
    assert pil.size == size and pil.mode == mode
    # The pixels are what we gave, in HxWxC order.
    hwc = a if len(shape) == 2 or shape[-1] in (1, 3, 4) else np.transpose(a, (1, 2, 0))
    if hwc.ndim == 3 and hwc.shape[-1] == 1:
        hwc = hwc[..., 0]
    if np.issubdtype(dtype, np.floating):
        expect = np.floor(np.clip(hwc, 0, 1) * 255 + 0.5).astype(np.uint8)
    else:
        expect = hwc.astype(np.uint8)
    np.testing.assert_array_equal(pixels, expect)


def test_float_values_are_clipped_and_nan_is_black() -> None:
    a = np.array([[-1.0, 0.0, 0.5, 1.0, 2.0, np.nan, np.inf, -np.inf]])
    assert _decode(encode_image(a).data).tolist() == [[0, 0, 128, 255, 255, 0, 255, 0]]


def test_integer_values_are_clipped() -> None:
    a = np.array([[-5, 0, 17, 255, 256, 10_000]], dtype=np.int64)
    assert _decode(encode_image(a).data).tolist() == [[0, 0, 17, 255, 255, 255]]
    u16 = np.array([[0, 300]], dtype=np.uint16)
    assert _decode(encode_image(u16).data).tolist() == [[0, 255]]
    i8 = np.array([[-128, 127]], dtype=np.int8)
    assert _decode(encode_image(i8).data).tolist() == [[0, 127]]


def test_same_pixels_same_hash() -> None:
    a = np.arange(12, dtype=np.uint8).reshape(3, 4)
    assert encode_image(a).sha256 == encode_image(a.copy()).sha256
    assert encode_image(a).sha256 != encode_image(a + 1).sha256


def test_pil_image_is_accepted() -> None:
    pil = PIL_Image.fromarray(np.arange(12, dtype=np.uint8).reshape(3, 4))
    img = encode_image(pil)
    assert (img.width, img.height) == (4, 3)
    assert _decode(img.data).tolist() == np.arange(12).reshape(3, 4).tolist()


@pytest.mark.parametrize("shape", [
    (5,), (2, 3, 4, 5), (5, 4, 2), (2, 4, 5), (5, 4, 6), (0, 4), (4, 0), (0, 4, 3), (3, 0, 4),
    (16385, 1), (),
])
def test_bad_shapes(shape: tuple[int, ...]) -> None:
    with pytest.raises(ValueError, match="image"):
        encode_image(np.zeros(shape, dtype=np.uint8))


@pytest.mark.parametrize("value", ["not an image", np.array(["a", "b"]), object(),
                                   np.zeros((2, 2), dtype=np.complex64)])
def test_not_an_image(value: object) -> None:
    with pytest.raises(TypeError, match="image"):
        encode_image(value)
