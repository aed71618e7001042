"""Visit photos as evidence: validation, EXIF, hashes and the server-side watermark.

Pure functions over bytes and paths — no database, no settings: limits, time zones and
fonts are passed in by the caller (models/, handlers/, jobs/). This package is the one
import for callers (``from lib import photos``); its modules, by concern:

- ``formats``: accepted formats, sniffing the real format, claims by name or type, and
  content-addressed storage of the original upload (``store_original``);
- ``validate``: ``analyse`` / ``analyse_file`` (limits, disguised files, decompression
  bombs, truncation) returning a ``PhotoInfo``; ``PhotoError`` carries the Chinese reason;
- ``exif``: the camera facts (``ExifInfo``, ``read_exif``);
- ``hashing``: perceptual hash, signature, centre-window hashes and ``similarity``, which
  tell a copy of an earlier photo from a new shot of the same storefront;
- ``watermark``: ``watermark`` / ``stamp_lines`` / ``find_cjk_font``;
- ``pixels``: the upright, flattened picture the others work on."""

from lib.photos.exif import ExifInfo, read_exif
from lib.photos.formats import (
    ACCEPTED_FORMATS,
    JPEG,
    PNG,
    claimed_format,
    sniff_format,
    store_original,
)
from lib.photos.hashing import (
    SIGNATURE_SIDE,
    WINDOWS,
    format_hashes,
    format_phash,
    hamming,
    parse_hashes,
    parse_phash,
    phash,
    signature,
    similarity,
    window_hashes,
)
from lib.photos.validate import (
    PHOTO_BOMB,
    PHOTO_BOMB_UNKNOWN,
    PHOTO_DAMAGED,
    PHOTO_DISGUISED,
    PHOTO_EMPTY,
    PHOTO_MISSING,
    PHOTO_NOT_IMAGE,
    PHOTO_TOO_MANY_BYTES,
    PHOTO_TOO_MANY_PIXELS,
    PHOTO_TRUNCATED,
    PHOTO_UNREADABLE,
    PHOTO_WRONG_FORMAT,
    PhotoError,
    PhotoInfo,
    PhotoLimits,
    analyse,
    analyse_file,
    human_bytes,
)
from lib.photos.watermark import Stamp, find_cjk_font, stamp_lines, watermark

__all__ = [
    "ACCEPTED_FORMATS", "JPEG", "PHOTO_BOMB", "PHOTO_BOMB_UNKNOWN", "PHOTO_DAMAGED",
    "PHOTO_DISGUISED", "PHOTO_EMPTY", "PHOTO_MISSING", "PHOTO_NOT_IMAGE",
    "PHOTO_TOO_MANY_BYTES", "PHOTO_TOO_MANY_PIXELS", "PHOTO_TRUNCATED", "PHOTO_UNREADABLE",
    "PHOTO_WRONG_FORMAT", "PNG", "SIGNATURE_SIDE", "WINDOWS", "ExifInfo", "PhotoError",
    "PhotoInfo", "PhotoLimits", "Stamp", "analyse", "analyse_file", "claimed_format",
    "find_cjk_font", "format_hashes", "format_phash", "hamming", "human_bytes",
    "parse_hashes", "parse_phash", "phash", "read_exif", "signature", "similarity",
    "sniff_format", "stamp_lines", "store_original", "watermark", "window_hashes",
]
