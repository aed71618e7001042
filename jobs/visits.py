"""Check-in evaluation off the request path: the RQ entry point of
``handlers.visits.evaluate`` (queued by its ``enqueue_process`` once a check-in commits)."""

from __future__ import annotations

from handlers.visits import evaluate
from lib import photos
from zhongshu.db import session_scope
from zhongshu.settings import get_settings


def process_visit(visit_id: int) -> str:
    """Evaluate one submitted visit and tell the rep (and the supervisor if flagged)."""
    marked_dir = get_settings().instance_dir / "visits" / "marked"
    font = photos.find_cjk_font()
    with session_scope() as session:
        return evaluate.evaluate(session, visit_id, marked_dir=marked_dir, font_path=font)
