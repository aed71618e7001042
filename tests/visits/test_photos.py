"""Photo validation, EXIF, hashes and the watermark (lib/photos/)."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from PIL import Image

from lib import photos
from lib.photos import PhotoError, PhotoLimits, Stamp, analyse, analyse_file
from tests.visits.visitkit import (
    HANGZHOU,
    SHANGHAI,
    camera_exif,
    camera_photo,
    jpeg,
    jpeg_bomb,
    png,
    png_bomb,
    reencoded,
    scene,
    screenshot,
    truncated,
)


def _refused(data: bytes, **kwargs: object) -> PhotoError:
    with pytest.raises(PhotoError) as caught:
        analyse(data, **kwargs)  # type: ignore[arg-type]
    return caught.value


# -- validation -------------------------------------------------------------------------

def test_camera_jpeg_is_accepted() -> None:
    data = camera_photo(1)
    info = analyse(data, filename="IMG_0001.JPG", content_type="image/jpeg")
    assert (info.format, info.width, info.height, info.size) == ("JPEG", 800, 600, len(data))
    assert len(info.sha256) == 64 and info.short_hash == info.sha256[:8]
    assert len(info.phash_hex) == 16


def test_png_is_accepted() -> None:
    info = analyse(screenshot(), filename="Screenshot_2026.png", content_type="image/png")
    assert info.format == "PNG" and (info.width, info.height) == (540, 960)


def test_empty_file() -> None:
    assert _refused(b"").code == "empty"


def test_not_an_image() -> None:
    error = _refused(b"hello, this is a text file\n" * 10)
    assert error.code == "not_image"
    assert error.message == "文件不是图片，只接受 JPEG 或 PNG 照片"


@pytest.mark.parametrize("fmt,kind", [("GIF", "GIF"), ("WEBP", "WEBP"), ("BMP", "BMP"),
                                      ("TIFF", "TIFF")])
def test_other_image_formats_are_refused_by_name(fmt: str, kind: str) -> None:
    buf = io.BytesIO()
    scene(3, (64, 64)).save(buf, fmt)
    error = _refused(buf.getvalue())
    assert error.code == "wrong_format"
    assert error.message == f"只接受 JPEG 或 PNG 照片，收到的是 {kind} 文件"


def test_heic_is_refused_by_name() -> None:
    error = _refused(b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + b"\x00" * 100)
    assert error.code == "wrong_format" and "HEIC" in error.message


def test_png_disguised_as_jpeg_by_content_type_and_name() -> None:
    data = screenshot()
    error = _refused(data, filename="photo.jpg", content_type="image/jpeg")
    assert error.code == "disguised"
    assert error.message == ("文件内容是 PNG，却标称为 JPEG（类型 image/jpeg），"
                             "疑似改过扩展名或类型的文件")
    assert _refused(data, filename="photo.jpg").message.endswith(
        "（扩展名 .jpg），疑似改过扩展名或类型的文件")
    # A name or type that claims nothing is no disguise.
    assert analyse(data, filename="upload.bin",
                   content_type="application/octet-stream").format == "PNG"


def test_jpeg_named_png_is_disguised_too() -> None:
    assert _refused(camera_photo(1), filename="x.png").code == "disguised"


def test_too_many_bytes_is_refused_before_decoding() -> None:
    data = camera_photo(1)
    error = _refused(data, limits=PhotoLimits(max_bytes=len(data) - 1))
    assert error.code == "too_large"
    assert "超过上限" in error.message


def test_too_many_pixels() -> None:
    data = jpeg(scene(1, (800, 600)))
    error = _refused(data, limits=PhotoLimits(max_pixels=400_000))
    assert error.code == "too_many_pixels"
    assert error.message == "照片尺寸 800×600（0.48 百万像素）超过上限 0.4 百万像素"


def test_decompression_bomb_jpeg_header() -> None:
    data = jpeg_bomb()
    assert len(data) < 2000
    error = _refused(data)
    assert error.code == "bomb"
    assert error.message.startswith("照片声明尺寸 8000×8000（64 百万像素）而文件只有")
    assert "疑似解压炸弹" in error.message


def test_decompression_bomb_beyond_pillows_own_limit() -> None:
    error = _refused(png_bomb())
    assert error.code == "bomb"
    assert error.message == ("照片声明的像素数（3600 百万像素）远超上限 40 百万像素，"
                             "疑似解压炸弹，已拒收")


@pytest.mark.parametrize("make", [lambda: camera_photo(1), screenshot])
def test_truncated_file(make: object) -> None:
    error = _refused(truncated(make()))  # type: ignore[operator]
    assert error.code == "truncated"
    assert error.message == "照片文件不完整（可能上传中断），请重新拍摄上传"


def test_damaged_file() -> None:
    data = bytearray(camera_photo(1))
    data[200:2000] = b"\x00" * 1800  # tables and scan header wiped
    error = _refused(bytes(data))
    assert error.code in ("damaged", "truncated")


def test_analyse_file_missing_and_oversized(tmp_path: Path) -> None:
    with pytest.raises(PhotoError) as caught:
        analyse_file(tmp_path / "nope.jpg")
    assert (caught.value.code, caught.value.message) == ("missing", "找不到照片文件“nope.jpg”")
    big = tmp_path / "big.jpg"
    big.write_bytes(camera_photo(1))
    with pytest.raises(PhotoError) as caught:
        analyse_file(big, limits=PhotoLimits(max_bytes=100))
    assert caught.value.code == "too_large"
    with pytest.raises(PhotoError) as caught:
        analyse_file(tmp_path)
    assert caught.value.code == "unreadable"


# -- EXIF -------------------------------------------------------------------------------

def test_exif_camera_time_make_model_gps() -> None:
    taken = datetime(2026, 11, 25, 14, 2, 33)
    data = jpeg(scene(1), exif=camera_exif(taken=taken, gps=HANGZHOU))
    exif = analyse(data).exif
    assert exif.has_camera
    assert (exif.make, exif.model) == ("HUAWEI", "P40 Pro")
    assert exif.taken_at == taken and exif.offset is None
    # No zone in EXIF: read in the business zone.
    assert exif.taken_at_in(SHANGHAI) == taken.replace(tzinfo=SHANGHAI)
    assert exif.gps is not None and exif.gps.coord == "wgs84"
    assert exif.gps.lat == pytest.approx(HANGZHOU.lat, abs=1e-5)
    assert exif.gps.lng == pytest.approx(HANGZHOU.lng, abs=1e-5)


def test_exif_offset_time_original_wins_over_business_zone() -> None:
    data = jpeg(scene(1), exif=camera_exif(taken=datetime(2026, 11, 25, 7, 2), offset="+01:00"))
    exif = analyse(data).exif
    assert exif.offset == timedelta(hours=1)
    assert exif.taken_at_in(SHANGHAI) == datetime(2026, 11, 25, 6, 2, tzinfo=UTC)


def test_southern_western_gps() -> None:
    exif = camera_exif(taken=datetime(2026, 1, 1), gps=None)
    from PIL import ExifTags

    g = exif.get_ifd(ExifTags.IFD.GPSInfo)
    g[1], g[2], g[3], g[4] = "S", (33.0, 52.0, 4.0), "W", (151.0, 12.0, 36.0)
    info = analyse(jpeg(scene(1), exif=exif)).exif
    assert info.gps is not None
    assert info.gps.lat == pytest.approx(-33.8678, abs=1e-4)
    assert info.gps.lng == pytest.approx(-151.21, abs=1e-4)


def test_zero_gps_and_blank_time_are_absent() -> None:
    exif = camera_exif(taken=None)
    from PIL import ExifTags

    exif.get_ifd(ExifTags.IFD.Exif)[36867] = "0000:00:00 00:00:00"
    g = exif.get_ifd(ExifTags.IFD.GPSInfo)
    g[1], g[2], g[3], g[4] = "N", (0.0, 0.0, 0.0), "E", (0.0, 0.0, 0.0)
    info = analyse(jpeg(scene(1), exif=exif)).exif
    assert info.taken_at is None and info.gps is None
    assert not info.has_camera  # make/model alone are not a camera shot


def test_screenshot_and_reencoded_copy_have_no_camera_exif() -> None:
    assert not analyse(screenshot()).exif.has_camera
    copy = analyse(reencoded(camera_photo(1))).exif
    assert copy.make is None and copy.taken_at is None and not copy.has_camera


def test_datetime_digitized_is_the_fallback() -> None:
    exif = camera_exif(taken=None)
    from PIL import ExifTags

    exif.get_ifd(ExifTags.IFD.Exif)[36868] = "2026:11:25 10:00:00"
    assert analyse(jpeg(scene(1), exif=exif)).exif.taken_at == datetime(2026, 11, 25, 10, 0)


# -- perceptual hash --------------------------------------------------------------------

def test_reencoded_resized_copy_is_near_identical() -> None:
    original = analyse(camera_photo(4))
    for copy in (reencoded(camera_photo(4)), reencoded(camera_photo(4), scale=0.3,
                                                       quality=40)):
        info = analyse(copy)
        assert info.sha256 != original.sha256
        assert photos.hamming(info.phash, original.phash) <= 4


def test_png_copy_of_a_jpeg_is_near_identical() -> None:
    original = analyse(camera_photo(5))
    copy = analyse(png(Image.open(io.BytesIO(camera_photo(5)))))
    assert photos.hamming(copy.phash, original.phash) <= 4


def test_different_photos_are_far_apart() -> None:
    hashes = [analyse(camera_photo(seed)).phash for seed in range(10, 20)]
    distances = [photos.hamming(a, b) for i, a in enumerate(hashes) for b in hashes[i + 1:]]
    assert min(distances) > 12


def test_rotation_flag_is_applied_before_hashing() -> None:
    upright = scene(6)
    stored = upright.transpose(Image.Transpose.ROTATE_90)  # sensor orientation
    tagged = analyse(jpeg(stored, exif=camera_exif(taken=datetime(2026, 1, 1),
                                                   orientation=6)))
    assert (tagged.width, tagged.height) == (600, 800)  # as stored
    assert photos.hamming(tagged.phash, analyse(jpeg(upright)).phash) <= 4


def test_phash_round_trips_as_hex() -> None:
    value = analyse(camera_photo(1)).phash
    assert photos.parse_phash(photos.format_phash(value)) == value


# -- watermark --------------------------------------------------------------------------

STAMP = Stamp(server_time=datetime(2026, 11, 25, 6, 2, 33, tzinfo=UTC),
              rep_id="zhangwei", customer_id="42", short_hash="a1b2c3d4", distance_km=0.36,
              rep_name="张伟", customer_name="绍兴华滤环保")


def test_stamp_lines_ascii_and_chinese() -> None:
    assert photos.stamp_lines(STAMP, business_tz=SHANGHAI, cjk=False) == [
        "SERVER 2026-11-25 14:02:33 UTC+08:00",
        "REP zhangwei  CUSTOMER #42",
        "DIST 360 m  SHA a1b2c3d4",
    ]
    assert photos.stamp_lines(STAMP, business_tz=SHANGHAI, cjk=True) == [
        "服务器时间 2026-11-25 14:02:33 UTC+08:00",
        "业务员 张伟 (zhangwei)  客户 绍兴华滤环保 (#42)",
        "距客户 360 米  校验 a1b2c3d4",
    ]
    unknown = Stamp(server_time=STAMP.server_time, rep_id="u1", customer_id="7",
                    short_hash="ffff0000", rep_name="Li Lei")
    assert photos.stamp_lines(unknown, business_tz=SHANGHAI, cjk=False)[1:] == [
        "REP Li Lei (u1)  CUSTOMER #7", "DIST n/a  SHA ffff0000"]
    far = Stamp(server_time=STAMP.server_time, rep_id="u1", customer_id="7",
                short_hash="ffff0000", distance_km=7.25, customer_name="华滤")
    assert photos.stamp_lines(far, business_tz=SHANGHAI, cjk=False)[1:] == [
        "REP u1  CUSTOMER #7", "DIST 7.2 km  SHA ffff0000"]
    assert photos.stamp_lines(far, business_tz=SHANGHAI, cjk=True)[1:] == [
        "业务员 u1  客户 华滤 (#7)", "距客户 7.2 公里  校验 ffff0000"]


def _band_check(marked: bytes, original: Image.Image) -> None:
    out = Image.open(io.BytesIO(marked))
    assert out.format == "JPEG"
    out.load()
    assert out.size == original.size
    assert not out.getexif()  # GPS stays with the original
    grey_out, grey_in = out.convert("L"), original.convert("L")
    width, height = out.size
    bottom = (0, height - 10, width, height)
    top = (0, 0, width, height // 3)

    def mean(img: Image.Image, box: tuple[int, int, int, int]) -> float:
        return sum(img.crop(box).tobytes()) / ((box[2] - box[0]) * (box[3] - box[1]))

    assert mean(grey_out, bottom) < mean(grey_in, bottom) * 0.6  # the band darkens
    assert abs(mean(grey_out, top) - mean(grey_in, top)) < 3  # the rest is untouched
    # White text is drawn inside the band.
    band = grey_out.crop((0, height - height // 6, width, height))
    assert max(band.tobytes()) > 200


def test_watermark_same_size_band_drawn_ascii_font() -> None:
    original = Image.new("RGB", (1200, 900), (235, 235, 235))
    data = jpeg(original, exif=camera_exif(taken=datetime(2026, 1, 1), gps=HANGZHOU))
    marked = photos.watermark(data, STAMP, business_tz=SHANGHAI, font_path=None)
    _band_check(marked, original)


@pytest.mark.skipif(photos.find_cjk_font() is None, reason="no CJK font on this machine")
def test_watermark_with_cjk_font() -> None:
    original = Image.new("RGB", (1000, 750), (235, 235, 235))
    marked = photos.watermark(png(original), STAMP, business_tz=SHANGHAI,
                              font_path=photos.find_cjk_font())
    _band_check(marked, original)


def test_watermark_is_upright_and_keeps_original_untouched() -> None:
    stored = Image.new("RGB", (800, 600), (235, 235, 235))  # sensor landscape
    data = jpeg(stored, exif=camera_exif(taken=datetime(2026, 1, 1), orientation=6))
    before = bytes(data)
    marked = photos.watermark(data, STAMP, business_tz=SHANGHAI)
    assert data == before
    out = Image.open(io.BytesIO(marked))
    assert out.size == (600, 800)  # shown upright: portrait
    _band_check(marked, stored.transpose(Image.Transpose.ROTATE_270))


def test_watermark_narrow_photo_shrinks_text_to_fit() -> None:
    original = Image.new("RGB", (240, 1600), (235, 235, 235))
    marked = photos.watermark(jpeg(original), STAMP, business_tz=SHANGHAI)
    _band_check(marked, original)


def test_store_original_is_content_addressed(tmp_path: Path) -> None:
    data = camera_photo(1)
    path = photos.store_original(data, tmp_path)
    assert path.read_bytes() == data and path.suffix == ".jpg"
    assert photos.store_original(data, tmp_path) == path
    assert photos.store_original(b"junk", tmp_path).suffix == ".bin"
    assert not list(tmp_path.rglob("*.part"))
