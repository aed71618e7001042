"""The server-side watermark: burns server time, rep, customer, distance and a short
hash into a JPEG copy of a photo; that copy is what supervisors see, the original is
kept untouched as evidence. The ASCII facts are drawn in Pillow's built-in font, so it
works with no fonts installed; names in Chinese are added when ``find_cjk_font`` finds
a CJK font file. Called by the visit and store evaluation and the demo/coaching pages."""

from __future__ import annotations

import io
import shutil
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, tzinfo
from functools import lru_cache
from pathlib import Path
from typing import Any

from PIL import Image, ImageDraw, ImageFont

from lib.photos.exif import read_exif
from lib.photos.formats import ACCEPTED_FORMATS
from lib.photos.pixels import flatten, upright

# Common CJK font files on Linux servers, macOS and Windows; ``fc-match`` is asked when
# none of these exists. Nothing is downloaded: without a CJK font the watermark is ASCII.
_CJK_FONT_CANDIDATES = (
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/google-noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",
    "/System/Library/Fonts/PingFang.ttc",
    "/System/Library/Fonts/STHeiti Medium.ttc",
    "/Library/Fonts/Arial Unicode.ttf",
    "C:/Windows/Fonts/msyh.ttc",
    "C:/Windows/Fonts/simhei.ttf",
)


@lru_cache(maxsize=1)
def find_cjk_font() -> str | None:
    """A font file that can draw Chinese, or None."""
    for candidate in _CJK_FONT_CANDIDATES:
        if Path(candidate).is_file():
            return candidate
    if shutil.which("fc-match"):
        try:
            found = subprocess.run(["fc-match", "-f", "%{file}", ":lang=zh"],
                                   capture_output=True, text=True, timeout=5, check=False)
        except (OSError, subprocess.SubprocessError):
            return None
        path = found.stdout.strip()
        if path and Path(path).is_file() and _draws_chinese(path):
            return path
    return None


def _draws_chinese(path: str) -> bool:
    # fc-match always answers with *some* font; make sure this one has the glyphs.
    try:
        font = ImageFont.truetype(path, 20)
        return font.getmask("中").getbbox() is not None
    except OSError:
        return False


@dataclass(frozen=True, slots=True)
class Stamp:
    """What the watermark says. ``server_time`` is aware (shown in the business zone)."""

    server_time: datetime
    rep_id: str
    customer_id: str
    short_hash: str
    distance_km: float | None = None
    rep_name: str | None = None
    customer_name: str | None = None


def _ascii(text: str | None) -> str | None:
    if text and text.isascii() and text.isprintable():
        return text
    return None


def stamp_lines(stamp: Stamp, *, business_tz: tzinfo, cjk: bool) -> list[str]:
    """The watermark's lines: Chinese labels and names with a CJK font, ASCII without."""
    local = stamp.server_time.astimezone(business_tz)
    offset = local.strftime("%z")
    when = f"{local:%Y-%m-%d %H:%M:%S} UTC{offset[:3]}:{offset[3:]}"
    km = stamp.distance_km
    rep_id = _ascii(stamp.rep_id) or "?"
    customer_id = _ascii(stamp.customer_id) or "?"
    if cjk:
        rep = f"{stamp.rep_name} ({rep_id})" if stamp.rep_name else rep_id
        customer = (f"{stamp.customer_name} (#{customer_id})" if stamp.customer_name
                    else f"#{customer_id}")
        return [f"服务器时间 {when}",
                f"业务员 {rep}  客户 {customer}",
                f"距客户 {_distance(km, '米', '公里') if km is not None else '未知'}  "
                + f"校验 {stamp.short_hash}"]
    rep_name, customer_name = _ascii(stamp.rep_name), _ascii(stamp.customer_name)
    rep = f"{rep_name} ({rep_id})" if rep_name else rep_id
    customer = f"{customer_name} (#{customer_id})" if customer_name else f"#{customer_id}"
    return [f"SERVER {when}",
            f"REP {rep}  CUSTOMER {customer}",
            f"DIST {_distance(km, 'm', 'km') if km is not None else 'n/a'}  "
            + f"SHA {stamp.short_hash}"]


def _distance(km: float, metre: str, kilometre: str) -> str:
    return f"{km * 1000:.0f} {metre}" if km < 1 else f"{km:.1f} {kilometre}"


def _font(font_path: str | None, size: int) -> Any:
    if font_path:
        return ImageFont.truetype(font_path, size)
    try:
        return ImageFont.load_default(size=size)  # scalable when Pillow has FreeType
    except (OSError, TypeError):
        return ImageFont.load_default()


def watermark(data: bytes, stamp: Stamp, *, business_tz: tzinfo,
              font_path: str | None = None, quality: int = 88) -> bytes:
    """A JPEG copy of an (already validated) photo, upright per its EXIF orientation and
    of the same upright size, with a dark band along the bottom carrying ``stamp``.
    Pass ``font_path=find_cjk_font()`` to include names in Chinese. The copy carries no
    EXIF: orientation is baked in and the GPS stays with the original."""
    with Image.open(io.BytesIO(data), formats=list(ACCEPTED_FORMATS)) as opened:
        orientation = read_exif(opened).orientation
        image = flatten(upright(opened, orientation)).convert("RGB")
        icc = opened.info.get("icc_profile")
    lines = stamp_lines(stamp, business_tz=business_tz, cjk=font_path is not None)
    return _burn(image, lines, font_path=font_path, quality=quality, icc_profile=icc)


def _burn(image: Image.Image, lines: Sequence[str], *, font_path: str | None,
          quality: int, icc_profile: bytes | None) -> bytes:
    """Draw ``lines`` white on a translucent black band at the bottom of ``image`` (an RGB
    image the caller owns: it is changed in place) and encode it as JPEG."""
    width, height = image.size
    # Readable on a phone: the photo is shown ~1080 px wide, so ~1/30 of the short side
    # gives ~30 px text there; shrink until the longest line fits the width.
    size = max(12, round(min(width, height) / 30))
    pad = max(4, size // 2)
    font = _font(font_path, size)
    probe = ImageDraw.Draw(image)
    widest = max(probe.textlength(line, font=font) for line in lines)
    if widest > width - 2 * pad:
        size = max(8, int(size * (width - 2 * pad) / widest))
        pad = max(3, size // 2)
        font = _font(font_path, size)
    line_height = round(size * 1.3)
    band = min(height, line_height * len(lines) + 2 * pad)

    # Only the band is composited: a 40 MP photo never gets a full-size RGBA twin.
    box = (0, height - band, width, height)
    overlay = Image.new("RGBA", (width, band), (0, 0, 0, 170))
    draw = ImageDraw.Draw(overlay)
    y = pad
    for line in lines:
        draw.text((pad, y), line, font=font, fill=(255, 255, 255, 255))
        y += line_height
    strip = Image.alpha_composite(image.crop(box).convert("RGBA"), overlay).convert("RGB")
    image.paste(strip, box)
    out = io.BytesIO()
    options: dict[str, Any] = {"quality": quality, "optimize": True}
    if icc_profile:
        options["icc_profile"] = icc_profile
    image.save(out, "JPEG", **options)
    return out.getvalue()
