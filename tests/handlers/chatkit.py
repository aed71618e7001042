"""Plain helpers for the handler tests (fixtures are in conftest.py)."""

from __future__ import annotations

from lib.chat import Reply


def text_of(replies: list[Reply]) -> str:
    """Everything the replies say, for substring checks."""
    parts: list[str] = []
    for reply in replies:
        parts += [reply.text or "", reply.markdown or ""]
        if reply.card is not None:
            parts += [reply.card.title, reply.card.description]
            parts += [f"{k}：{v}" for k, v in reply.card.fields]
    return "\n".join(p for p in parts if p)
