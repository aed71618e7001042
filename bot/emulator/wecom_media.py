"""The emulated WeCom media API (media/get with Range support, media/upload) under
/cgi-bin/, as qyapi.weixin.qq.com serves it; registered by bot.emulator."""

from __future__ import annotations

from flask import Blueprint, Response, request

from bot.emulator.common import get_state, platform_api, wecom_error
from bot.emulator.media import is_photo, live_media, store_media
from bot.emulator.state import PLATFORM_WECOM
from bot.emulator.wecom_api import API_PREFIX, Answer, token_error

bp = Blueprint("emulator_wecom_media", __name__, url_prefix=API_PREFIX)

MEDIA_LIMITS = {"image": 10 * 2**20, "voice": 2 * 2**20, "video": 10 * 2**20, "file": 20 * 2**20}


@bp.get("/media/get")
@platform_api(PLATFORM_WECOM, "media/get")
def media_get() -> Answer:
    state = get_state()
    if (error := token_error(state)) is not None:
        return error
    media = live_media(state, request.args.get("media_id", ""))
    if media is None:
        return wecom_error(40007)
    data = media.data
    headers = {
        "Content-disposition": f'attachment; filename="{media.filename}"',
        "Accept-Ranges": "bytes",
        "Cache-Control": "no-cache, must-revalidate",
    }
    if request.range is not None:
        span = request.range.range_for_length(len(data))
        if span is None:
            headers["Content-Range"] = f"bytes */{len(data)}"
            return Response(b"", status=416, headers=headers)
        start, stop = span
        headers["Content-Range"] = f"bytes {start}-{stop - 1}/{len(data)}"
        return Response(data[start:stop], status=206, headers=headers,
                        content_type=media.content_type)
    return Response(data, status=200, headers=headers, content_type=media.content_type)


@bp.post("/media/upload")
@platform_api(PLATFORM_WECOM, "media/upload")
def media_upload() -> Answer:
    state = get_state()
    if (error := token_error(state)) is not None:
        return error
    media_type = request.args.get("type", "")
    if media_type not in MEDIA_LIMITS:
        return wecom_error(40004)
    upload = request.files.get("media")
    data = upload.read() if upload is not None else b""
    if len(data) < 5:
        return wecom_error(44001)
    if len(data) > MEDIA_LIMITS[media_type]:
        return wecom_error(40009 if media_type == "image" else 40006)
    if media_type == "image" and not is_photo(data):
        return wecom_error(40005)
    media = store_media(state, data, media_type)
    return {**wecom_error(0), "type": media_type, "media_id": media.media_id,
            "created_at": str(int(media.created_at))}
