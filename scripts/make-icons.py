#!/usr/bin/env python3
"""Writes the installers' icons: assets/icons/icon-{32,128,256,512}.png and
assets/icons/icon.ico (16, 32, 48 as bitmaps, 256 as PNG, the layout every
Windows tool reads: WiX's ARPPRODUCTICON, NSIS's installer icon).

The same drawing as `ui::icon::app_icon` (src/ui/icon.rs), redone here with
the standard library only (zlib + struct write the PNG), so that packaging
needs no Rust build: a blue rounded square (#0054A6) with a white tick.
Keep the two in step: if the Rust drawing changes, change this and run it
again (`python3 scripts/make-icons.py`), then commit the PNGs.

Rust computes in f32, Python in f64: an edge pixel may differ by one level
of alpha or colour, nothing visible.
"""

import math
import os
import struct
import sys
import zlib

SIZES = (32, 128, 256, 512)
BLUE = (0.0, 84.0, 166.0)
# The tick: two strokes, (0.25, 0.52) -> (0.43, 0.70) -> (0.76, 0.32).
POINTS = ((0.25, 0.52), (0.43, 0.70), (0.76, 0.32))


def clamp(v, lo, hi):
    return max(lo, min(hi, v))


def segment_distance(p, a, b):
    abx, aby = b[0] - a[0], b[1] - a[1]
    t = clamp(((p[0] - a[0]) * abx + (p[1] - a[1]) * aby) / (abx * abx + aby * aby), 0.0, 1.0)
    cx, cy = a[0] + t * abx, a[1] + t * aby
    return math.hypot(p[0] - cx, p[1] - cy)


def app_icon(size):
    """RGBA rows, as src/ui/icon.rs draws them."""
    n = float(size)
    radius = n * 0.18
    width = n * 0.09
    segments = [
        ((a[0] * n, a[1] * n), (b[0] * n, b[1] * n)) for a, b in zip(POINTS, POINTS[1:])
    ]
    rows = []
    for y in range(size):
        row = bytearray()
        for x in range(size):
            px, py = x + 0.5, y + 0.5
            # Rounded square: distance outside the inner rectangle.
            dx = max(radius - px, px - (n - radius), 0.0)
            dy = max(radius - py, py - (n - radius), 0.0)
            outside = math.sqrt(dx * dx + dy * dy) - radius
            alpha = clamp(0.5 - outside, 0.0, 1.0)
            tick = min(segment_distance((px, py), a, b) for a, b in segments)
            white = clamp(width / 2.0 + 0.5 - tick, 0.0, 1.0)
            # `as u8` in Rust truncates (and saturates): int() on a value in 0..=255.
            blend = [int(c * (1.0 - white) + 255.0 * white) for c in BLUE]
            row += bytes(blend + [int(alpha * 255.0)])
        rows.append(bytes(row))
    return rows


def png(size, rows):
    def chunk(kind, data):
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body) & 0xFFFFFFFF)

    # 8-bit RGBA, no interlace; every row with filter type 0.
    header = struct.pack(">IIBBBBB", size, size, 8, 6, 0, 0, 0)
    raw = b"".join(b"\x00" + r for r in rows)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw, 9))
        + chunk(b"IEND", b"")
    )


def dib(size, rows):
    """An ICO entry as a bitmap: BGRA bottom-up, then the AND mask (all 0,
    the alpha channel decides)."""
    header = struct.pack("<IiiHHIIiiII", 40, size, size * 2, 1, 32, 0, 0, 0, 0, 0, 0)
    pixels = b"".join(
        bytes(b for i in range(0, len(r), 4) for b in (r[i + 2], r[i + 1], r[i], r[i + 3]))
        for r in reversed(rows)
    )
    mask_row = ((size + 31) // 32) * 4
    return header + pixels + b"\x00" * (mask_row * size)


def ico(entries):
    """entries: (size, bytes) in order."""
    out = struct.pack("<HHH", 0, 1, len(entries))
    offset = 6 + 16 * len(entries)
    body = b""
    for size, data in entries:
        dim = 0 if size >= 256 else size
        out += struct.pack("<BBBBHHII", dim, dim, 0, 0, 1, 32, len(data), offset + len(body))
        body += data
    return out + body


def main():
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    out = os.path.join(root, "assets", "icons")
    os.makedirs(out, exist_ok=True)
    for size in SIZES:
        path = os.path.join(out, "icon-%d.png" % size)
        with open(path, "wb") as f:
            f.write(png(size, app_icon(size)))
        print(path, file=sys.stderr)
    entries = [(n, dib(n, app_icon(n))) for n in (16, 32, 48)]
    entries.append((256, png(256, app_icon(256))))
    path = os.path.join(out, "icon.ico")
    with open(path, "wb") as f:
        f.write(ico(entries))
    print(path, file=sys.stderr)


if __name__ == "__main__":
    main()
