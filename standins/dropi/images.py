"""Product pictures for the stand-in, drawn on request as small PNGs: a colour field and a
shape picked from a hash of the image name, so every image is stable and distinct."""
from __future__ import annotations

import hashlib
import struct
import zlib
from functools import lru_cache

SIZE = 320
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _chunk(kind: bytes, data: bytes) -> bytes:
    return (struct.pack(">I", len(data)) + kind + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))


def _colour(seed: bytes, light: bool) -> bytes:
    base = 170 if light else 30
    return bytes(base + value % 80 for value in seed[:3])


def _span(shape: int, y: int, size: int) -> tuple[int, int]:
    """Columns covered by the shape on row y (a circle, a square or a diamond)."""
    middle, radius = size // 2, size // 3
    offset = abs(y - middle)
    if offset > radius:
        return 0, 0
    if shape == 0:
        half = int((radius * radius - offset * offset) ** 0.5)
    elif shape == 1:
        half = radius
    else:
        half = radius - offset
    return middle - half, middle + half


@lru_cache(maxsize=256)
def product_png(name: str, size: int = SIZE) -> bytes:
    """A deterministic size×size RGB PNG for an image name such as 'co/10001-1.png'."""
    digest = hashlib.sha256(name.encode()).digest()
    background, foreground = _colour(digest[0:3], True), _colour(digest[3:6], False)
    accent, shape = _colour(digest[6:9], False), digest[9] % 3
    band = range(size - size // 8, size - size // 16)
    rows = []
    for y in range(size):
        if y in band:
            rows.append(b"\x00" + accent * size)
            continue
        start, end = _span(shape, y, size)
        rows.append(b"\x00" + background * start + foreground * (end - start)
                    + background * (size - end))
    header = struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0)
    return (PNG_SIGNATURE + _chunk(b"IHDR", header)
            + _chunk(b"IDAT", zlib.compress(b"".join(rows), 9)) + _chunk(b"IEND", b""))
