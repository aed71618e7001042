"""The decoded picture every photo step works on: turned upright per its EXIF
orientation and flattened onto white (no transparency). Used by ``validate`` (hashing
the upright picture) and ``watermark`` (stamping it)."""

from __future__ import annotations

from PIL import Image

_TRANSPOSE = {
    2: (Image.Transpose.FLIP_LEFT_RIGHT,), 3: (Image.Transpose.ROTATE_180,),
    4: (Image.Transpose.FLIP_TOP_BOTTOM,), 5: (Image.Transpose.TRANSPOSE,),
    6: (Image.Transpose.ROTATE_270,), 7: (Image.Transpose.TRANSVERSE,),
    8: (Image.Transpose.ROTATE_90,),
}


def upright(image: Image.Image, orientation: int) -> Image.Image:
    for step in _TRANSPOSE.get(orientation, ()):
        image = image.transpose(step)
    return image


def flatten(image: Image.Image) -> Image.Image:
    """RGB on white: transparent PNG areas must not turn black (or differ by encoder)."""
    if image.mode in ("RGBA", "LA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(background, rgba).convert("RGB")
    if image.mode not in ("RGB", "L"):
        return image.convert("RGB")
    return image
