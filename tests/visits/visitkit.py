"""Photo and visit fixtures generated with Pillow: camera-like JPEGs with EXIF (time,
make, model, GPS, orientation), screenshot-like PNGs, truncated and disguised files,
decompression-bomb headers, re-encoded copies."""

from __future__ import annotations

import io
import math
import random
import struct
import zlib
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from geopy.distance import geodesic  # type: ignore[import-untyped]
from PIL import ExifTags, Image, ImageDraw, ImageEnhance, ImageFilter

from lib.geo import GeoPoint

SHANGHAI = ZoneInfo("Asia/Shanghai")
# A customer in Hangzhou (WGS-84).
HANGZHOU = GeoPoint(30.2741, 120.1551, "wgs84")


def scene(seed: int, size: tuple[int, int] = (800, 600)) -> Image.Image:
    """A photo-like picture: gradient background, blurred random shapes. Different seeds
    give perceptually different pictures."""
    rnd = random.Random(seed)
    width, height = size
    img = Image.new("RGB", size)
    draw = ImageDraw.Draw(img)
    for y in range(0, height, 4):
        shade = int(255 * y / height)
        draw.rectangle((0, y, width, y + 4), fill=(shade, 120, 255 - shade))
    for _ in range(25):
        x0, y0 = rnd.randrange(width), rnd.randrange(height)
        box = (x0, y0, x0 + rnd.randrange(8, max(9, width // 2)),
               y0 + rnd.randrange(8, max(9, height // 2)))
        colour = tuple(rnd.randrange(256) for _ in range(3))
        (draw.ellipse if rnd.random() < 0.5 else draw.rectangle)(box, fill=colour)
    return img.filter(ImageFilter.GaussianBlur(2))


def storefront(seed: int, size: tuple[int, int] = (1200, 900)) -> Image.Image:
    """The scene in front of one customer's door (sky, walls, signs, windows), wider than
    any photo of it: ``storefront_shot`` frames a photo out of it."""
    rnd = random.Random(seed)
    width, height = size
    img = Image.new("RGB", size)
    draw = ImageDraw.Draw(img)
    sky = [rnd.randrange(120, 230) for _ in range(3)]
    for y in range(0, height, 4):
        t = y / height
        draw.rectangle((0, y, width, y + 4), fill=tuple(int(c * (1 - t) + 60 * t) for c in sky))
    for _ in range(30):
        x0, y0 = rnd.randrange(width), rnd.randrange(height)
        box = (x0, y0, x0 + rnd.randrange(20, width // 2), y0 + rnd.randrange(20, height // 2))
        colour = tuple(rnd.randrange(256) for _ in range(3))
        (draw.ellipse if rnd.random() < 0.4 else draw.rectangle)(box, fill=colour)
    return img


def storefront_shot(front: Image.Image, seed: int,
                    size: tuple[int, int] = (480, 360)) -> Image.Image:
    """A new photo of ``front`` from about the same spot: framing within ±3 %, zoom
    within ±5 %, a 1–4° tilt, other light (overall and a gradient), people, cars and
    posters that were not there before, sensor noise."""
    rnd = random.Random(seed)
    width, height = front.size
    img = front.copy()
    draw = ImageDraw.Draw(img)
    for _ in range(rnd.randint(2, 4)):
        x0, y0 = rnd.randrange(width), rnd.randrange(height // 3, height)
        box = (x0, y0, x0 + rnd.randrange(40, 160), y0 + rnd.randrange(60, 260))
        draw.rectangle(box, fill=tuple(rnd.randrange(256) for _ in range(3)))
    # Tilt, framing and zoom in one affine pass (output pixel → scene point).
    angle = math.radians(rnd.uniform(1, 4) * rnd.choice([-1, 1]))
    k = width * rnd.uniform(0.66, 0.72) / size[0]
    cx = width / 2 + rnd.uniform(-0.03, 0.03) * width
    cy = height / 2 + rnd.uniform(-0.03, 0.03) * height
    cos, sin = math.cos(angle), math.sin(angle)
    u0, v0 = size[0] / 2, size[1] / 2
    img = img.transform(size, Image.Transform.AFFINE,
                        (k * cos, -k * sin, cx - k * (cos * u0 - sin * v0),
                         k * sin, k * cos, cy - k * (sin * u0 + cos * v0)),
                        resample=Image.Resampling.BILINEAR)
    light = Image.linear_gradient("L").rotate(rnd.uniform(0, 360)).resize(size)
    shade = ImageEnhance.Brightness(img).enhance(rnd.uniform(0.55, 0.8))
    img = Image.composite(img, shade, light)
    img = ImageEnhance.Brightness(img).enhance(rnd.uniform(0.8, 1.25))
    noise = Image.frombytes("L", size, rnd.randbytes(size[0] * size[1])).convert("RGB")
    return Image.blend(img, noise, 0.06)


def edited_copy(img: Image.Image, *, scale: float = 1.0, brightness: float = 1.0,
                crop: tuple[float, float, float, float] = (0, 0, 0, 0)) -> Image.Image:
    """An old photo edited to pass as new: cropped (share off left, top, right,
    bottom), brightened or darkened, resized."""
    left, top, right, bottom = crop
    w, h = img.size
    out = img.crop((int(w * left), int(h * top), w - int(w * right), h - int(h * bottom)))
    if brightness != 1.0:
        out = ImageEnhance.Brightness(out).enhance(brightness)
    if scale != 1.0:
        out = out.resize((max(1, int(out.width * scale)), max(1, int(out.height * scale))))
    return out


def _dms(value: float) -> tuple[float, float, float]:
    value = abs(value)
    degrees = int(value)
    minutes = int((value - degrees) * 60)
    seconds = round((value - degrees - minutes / 60) * 3600, 4)
    return (float(degrees), float(minutes), seconds)


def camera_exif(*, taken: datetime | None = None, offset: str | None = None,
                make: str | None = "HUAWEI", model: str | None = "P40 Pro",
                gps: GeoPoint | None = None, orientation: int | None = None) -> Image.Exif:
    """EXIF as a phone camera writes it. ``taken`` is written as local wall time (naive
    or converted to Shanghai time when aware), the way cameras do."""
    exif = Image.Exif()
    if make:
        exif[271] = make
    if model:
        exif[272] = model
    if orientation:
        exif[274] = orientation
    if taken is not None:
        local = taken.astimezone(SHANGHAI).replace(tzinfo=None) if taken.tzinfo else taken
        sub = exif.get_ifd(ExifTags.IFD.Exif)
        sub[36867] = local.strftime("%Y:%m:%d %H:%M:%S")
        if offset:
            sub[36881] = offset
    if gps is not None:
        lat, lng = gps.wgs84()
        g = exif.get_ifd(ExifTags.IFD.GPSInfo)
        g[1] = "N" if lat >= 0 else "S"
        g[2] = _dms(lat)
        g[3] = "E" if lng >= 0 else "W"
        g[4] = _dms(lng)
    return exif


def jpeg(img: Image.Image, *, exif: Image.Exif | None = None, quality: int = 90) -> bytes:
    buf = io.BytesIO()
    if exif is not None:
        img.save(buf, "JPEG", quality=quality, exif=exif)
    else:
        img.save(buf, "JPEG", quality=quality)
    return buf.getvalue()


def png(img: Image.Image) -> bytes:
    buf = io.BytesIO()
    img.save(buf, "PNG")
    return buf.getvalue()


def camera_photo(seed: int = 1, *, taken: datetime | None = None,
                 gps: GeoPoint | None = None, **kwargs: object) -> bytes:
    """A JPEG as a phone camera makes it, taken at ``taken`` (default: now)."""
    return jpeg(scene(seed), exif=camera_exif(taken=taken or datetime.now(UTC), gps=gps,
                                              **kwargs))  # type: ignore[arg-type]


def screenshot(seed: int = 2) -> bytes:
    """A PNG without any EXIF, as a phone screenshot."""
    return png(scene(seed, (540, 960)))


def reencoded(data: bytes, *, scale: float = 0.5, quality: int = 55) -> bytes:
    """What WeChat does to a forwarded photo: smaller, recompressed, EXIF gone."""
    img = Image.open(io.BytesIO(data))
    small = img.resize((int(img.width * scale), int(img.height * scale)))
    return jpeg(small.convert("RGB"), quality=quality)


def truncated(data: bytes) -> bytes:
    return data[: len(data) // 2]


def png_bomb(width: int = 60_000, height: int = 60_000) -> bytes:
    """A tiny PNG whose header claims gigantic dimensions."""
    def chunk(kind: bytes, body: bytes) -> bytes:
        return (struct.pack(">I", len(body)) + kind + body
                + struct.pack(">I", zlib.crc32(kind + body)))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(b"\x00" * 1024)) + chunk(b"IEND", b""))


def jpeg_bomb(width: int = 8_000, height: int = 8_000) -> bytes:
    """A valid small JPEG with its SOF0 dimensions rewritten (below Pillow's own hard
    limit, above ours)."""
    data = bytearray(jpeg(Image.new("RGB", (16, 16), "white")))
    sof = data.find(b"\xff\xc0")
    data[sof + 5:sof + 9] = struct.pack(">HH", height, width)
    return bytes(data)


def point_at(origin: GeoPoint, km: float, bearing: float = 45.0,
             coord: str = "wgs84") -> GeoPoint:
    """The point ``km`` from ``origin`` (geodesic), expressed in ``coord``."""
    from lib.geo import wgs84_to_gcj02

    dest = geodesic(kilometers=km).destination(origin.wgs84(), bearing)
    lat, lng = dest.latitude, dest.longitude
    if coord == "gcj02":
        lat, lng = wgs84_to_gcj02(lat, lng)
    return GeoPoint(lat, lng, coord)


def at(text: str) -> datetime:
    """'2026-11-25 14:02' in Shanghai time, aware."""
    return datetime.strptime(text, "%Y-%m-%d %H:%M").replace(tzinfo=SHANGHAI)


def hours(n: float) -> timedelta:
    return timedelta(hours=n)
