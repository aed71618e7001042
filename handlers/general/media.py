"""Photos sent in the chat: recorded at once, downloaded by a job. A photo from a rep
whose chat check-in is waiting is that visit's photo (handlers/visits/checkin.py)."""

from __future__ import annotations

from sqlmodel import Session

from bot.router import router
from handlers.general import texts
from handlers.visits import checkin
from lib.chat import KIND_IMAGE, Event, Reply
from models.platform import media
from zhongshu.queues import JOB_FETCH_MEDIA, RETRY_TRANSIENT, enqueue_after_commit


@router.on(KIND_IMAGE)
def photo(event: Event, session: Session) -> Reply | list[Reply]:
    media_id = event.payload.get("media_id") or event.payload.get("download_code") or ""
    row = media.get_or_create(session, platform=event.platform, media_id=str(media_id),
                              user_id=event.user_id)
    # Queued once the row commits, so the job finds it.
    enqueue_after_commit(session, JOB_FETCH_MEDIA, row.id, job_id=f"media-{row.id}",
                         retry=RETRY_TRANSIENT)
    for_checkin = checkin.take_photo(event, session, row)
    if for_checkin is not None:
        return for_checkin
    return Reply(text=texts.PHOTO_RECEIVED)
