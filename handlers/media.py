"""Photos sent in the chat: recorded at once, downloaded by a job."""

from __future__ import annotations

from sqlmodel import Session

from bot.event import KIND_IMAGE, Event, Reply
from handlers import router, texts
from models import media


@router.on(KIND_IMAGE)
def photo(event: Event, session: Session) -> Reply:
    media_id = event.payload.get("media_id") or event.payload.get("download_code") or ""
    row = media.get_or_create(session, platform=event.platform, media_id=str(media_id),
                              user_id=event.user_id)
    from jobs.media import enqueue_fetch

    # Enqueued after commit by the after-commit hook, so the job finds the row.
    enqueue_fetch(session, row.id)
    return Reply(text=texts.PHOTO_RECEIVED)
