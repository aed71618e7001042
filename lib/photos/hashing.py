"""Perceptual hashes and signatures of photos, to recognise a reused photo.

``phash`` is a 64-bit DCT perceptual hash (a re-encoded, resized or recompressed copy
lands a few bits away, a different photo about 32), implemented on Pillow and numpy
instead of the ``ImageHash`` package (which would pull scipy and PyWavelets for one
64-bit number). ``signature`` keeps the upright grey picture at 64×64, ``window_hashes``
the hashes of its centre windows (a crop), and ``similarity`` confirms a hash candidate
with an aligned thumbnail comparison (calibration: ``bench/evidence_accuracy.py``).

Called by ``validate.analyse`` and by the evidence checks (``models.visits.evidence``)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from functools import lru_cache
from typing import Any

import numpy as np
from PIL import Image

from lib.photos.pixels import flatten

_N, _K = 32, 8
_COS = [[math.cos(math.pi * k * (2 * n + 1) / (2 * _N)) for n in range(_N)] for k in range(_K)]


def _dct_hash(px: Any) -> int:
    """The 64 bits of a 32×32 grey array: 2-D DCT-II, the 8×8 lowest frequencies, one bit
    per coefficient above their median, (0, 0) first."""
    cos = np.array(_COS)
    coeffs = (cos @ px @ cos.T).ravel()
    ordered = np.sort(coeffs)
    median = (ordered[31] + ordered[32]) / 2
    value = 0
    for bit in coeffs > median:
        value = (value << 1) | int(bit)
    return value


def phash(image: Image.Image) -> int:
    """64-bit DCT perceptual hash (the classic pHash, as ImageHash computes it): grey
    32×32, 2-D DCT-II, the 8×8 lowest frequencies, one bit per coefficient above their
    median. Bit 63 is coefficient (0, 0)."""
    small = flatten(image).convert("L").resize((_N, _N), Image.Resampling.LANCZOS)
    return _dct_hash(np.frombuffer(small.tobytes(), dtype=np.uint8).astype(np.float64)
                     .reshape(_N, _N))


SIGNATURE_SIDE = 64
_COARSE, _FINE = 16, 32
# Crops searched: the new photo as a window of the earlier one keeping this share of its
# width and of its height (at most 8 points apart), anywhere inside it.
_CROP_SCALES = (1.0, 0.96, 0.92, 0.88, 0.84, 0.80)
_CROP_STEPS = 5
# A coarse correlation this far below the verdict's threshold is not refined.
_REFINE_MARGIN = 0.04


def signature(image: Image.Image) -> bytes:
    """The upright picture in grey, squeezed to 64×64 (box filter): 4,096 bytes."""
    grey = flatten(image).convert("L")
    return grey.resize((SIGNATURE_SIDE, SIGNATURE_SIDE), Image.Resampling.BOX).tobytes()


# Centre windows of a photo whose hashes are kept besides its own: a crop of the photo
# (a few per cent off each side) hashes close to one of them, though far from the whole.
WINDOWS = (0.9, 0.8)


@lru_cache(maxsize=len(WINDOWS))
def _window_cos(n: int) -> Any:
    return np.array([[math.cos(math.pi * k * (2 * i + 1) / (2 * n)) for i in range(n)]
                     for k in range(_K)])


def window_hashes(sig: bytes) -> tuple[int, ...]:
    """The perceptual hash (as ``phash``: 8×8 lowest DCT frequencies against their
    median, here taken on the window's own grid) of the centre 90 % and 80 % of a
    signature."""
    grid = np.frombuffer(sig, dtype=np.uint8).reshape(SIGNATURE_SIDE, SIGNATURE_SIDE) \
        .astype(np.float64)
    out = []
    for share in WINDOWS:
        margin = round(SIGNATURE_SIDE * (1 - share) / 2)
        window = grid[margin:SIGNATURE_SIDE - margin, margin:SIGNATURE_SIDE - margin]
        cos = _window_cos(window.shape[0])
        coeffs = (cos @ window @ cos.T).ravel()
        ordered = np.sort(coeffs)
        median = (ordered[31] + ordered[32]) / 2
        value = 0
        for bit in coeffs > median:
            value = (value << 1) | int(bit)
        out.append(value)
    return tuple(out)


def format_hashes(values: Sequence[int]) -> str:
    return ",".join(format_phash(v) for v in values)


def parse_hashes(text: str | None) -> tuple[int, ...]:
    return tuple(parse_phash(part) for part in (text or "").split(",") if part)


@lru_cache(maxsize=1)
def _search() -> tuple[Any, Any, Any]:
    """The crop windows (x0, y0, width, height in signature pixels) and, for each, the
    flat indices of its 16×16 cells' corners in a (side+1)² integral image and the
    cells' areas."""
    side = SIGNATURE_SIDE
    boxes = [(0.0, 0.0, float(side), float(side))]
    for sx in _CROP_SCALES:
        for sy in _CROP_SCALES:
            if sx == sy == 1.0 or abs(sx - sy) > 0.081:
                continue
            for x in np.linspace(0, side * (1 - sx), _CROP_STEPS if sx < 1 else 1):
                for y in np.linspace(0, side * (1 - sy), _CROP_STEPS if sy < 1 else 1):
                    boxes.append((float(x), float(y), side * sx, side * sy))
    array = np.array(boxes)
    steps = np.arange(_COARSE + 1) / _COARSE
    xs = np.rint(array[:, 0:1] + array[:, 2:3] * steps).astype(np.intp)
    ys = np.rint(array[:, 1:2] + array[:, 3:4] * steps).astype(np.intp)
    areas = (np.diff(ys)[:, :, None] * np.diff(xs)[:, None, :]).clip(min=1) \
        .astype(np.float32)
    corners = ys[:, :, None] * (side + 1) + xs[:, None, :]
    return array, corners, areas


def _normalised(rows: Any) -> Any:
    """Each row → zero mean, unit length (brightness and contrast cancel out)."""
    flat = rows.reshape(rows.shape[0], -1).astype(np.float32, copy=False)
    flat = flat - flat.mean(axis=1, keepdims=True)
    norm = np.linalg.norm(flat, axis=1, keepdims=True)
    return flat / np.where(norm == 0, 1.0, norm)


def _pooled(grid: Any, n: int) -> Any:
    k = SIGNATURE_SIDE // n
    return grid.reshape(n, k, n, k).mean(axis=(1, 3))


@lru_cache(maxsize=4)
def _as_new(sig: bytes) -> tuple[Any, Any]:
    """The new photo's normalised 32×32 and 16×16 pictures (one photo is compared with
    all its candidates in a row)."""
    a = np.frombuffer(sig, dtype=np.uint8).reshape(SIGNATURE_SIDE, SIGNATURE_SIDE) \
        .astype(np.float32)
    return _normalised(_pooled(a, _FINE)[None])[0], _normalised(_pooled(a, _COARSE)[None])[0]


@lru_cache(maxsize=2048)
def _as_old(sig: bytes) -> tuple[Any, Any]:
    """An earlier photo's normalised 32×32 picture and its integral image (flat)."""
    side = SIGNATURE_SIDE
    b = np.frombuffer(sig, dtype=np.uint8).reshape(side, side).astype(np.float32)
    integral = np.zeros((side + 1, side + 1), dtype=np.float32)
    integral[1:, 1:] = b.cumsum(0).cumsum(1)
    return _normalised(_pooled(b, _FINE)[None])[0], integral.ravel()


def similarity(new: bytes, old: bytes, *, threshold: float = 0.0) -> float:
    """How well the photo with signature ``new`` is explained as a copy of ``old``: the
    best correlation (−1…1) of the normalised greyscale thumbnails on a 32×32 grid,
    ``old`` taken whole or as a crop (80–100 % of its width and of its height, anywhere
    inside it; found on a 16×16 grid, then refined). Brightness and contrast changes
    cancel out; re-encoding, resizing and recompression barely move it. A ``threshold``
    lets the search stop early: a result below it is only known to be below it."""
    fine, coarse_new = _as_new(new)
    fine_old, integral = _as_old(old)
    whole = float(fine_old @ fine)
    if whole >= max(threshold, 0.999):
        return whole
    boxes, corners, areas = _search()
    c = integral[corners]
    cells = (c[:, 1:, 1:] - c[:, :-1, 1:] - c[:, 1:, :-1] + c[:, :-1, :-1]) / areas
    coarse = _normalised(cells) @ coarse_new
    best = int(np.argmax(coarse))
    if best == 0 or coarse[best] < threshold - _REFINE_MARGIN:
        return whole
    # Refine around the best window on the 32×32 grid with exact (fractional) boxes.
    side = SIGNATURE_SIDE
    x0, y0, w0, h0 = boxes[best]
    picture = Image.frombytes("L", (side, side), old)
    best_score = whole
    for step in (side * 0.02, side * 0.01):
        crops, windows = [], []
        for dw, dh in ((0.0, 0.0), (-step, -step), (step, step), (-step, 0.0),
                       (step, 0.0), (0.0, -step), (0.0, step)):
            w, h = min(side, w0 + dw), min(side, h0 + dh)
            for dx in (-step, 0.0, step):
                for dy in (-step, 0.0, step):
                    x = min(max(0.0, x0 + dx), side - w)
                    y = min(max(0.0, y0 + dy), side - h)
                    windows.append((x, y, w, h))
                    crops.append(picture.resize((_FINE, _FINE), Image.Resampling.BOX,
                                                box=(x, y, x + w, y + h)).tobytes())
        scores = _normalised(np.frombuffer(b"".join(crops), dtype=np.uint8)
                             .reshape(len(crops), -1).astype(np.float32)) @ fine
        top = int(np.argmax(scores))
        x0, y0, w0, h0 = windows[top]
        best_score = max(best_score, float(scores[top]))
        # The finer step moves a score by a point or two, no more.
        if best_score >= max(threshold, 0.999) or best_score < threshold - 0.02:
            break
    return best_score


def hamming(a: int, b: int) -> int:
    return (a ^ b).bit_count()


def format_phash(value: int) -> str:
    return f"{value:016x}"


def parse_phash(text: str) -> int:
    return int(text, 16)
