"""``门店`` in the chat (C12): a store manager's or HQ's way into the store pages — each
visible store with its page and (for its manager) today's daily report, and the
promotion check-ins. Only the stores the sender may see (``models.stores.scope``)."""

from __future__ import annotations

from sqlmodel import Session

from bot.router import router
from cards.links import signin_url
from cards.render import markdown_text
from handlers.general import texts
from lib.chat import Event, Reply
from models.org import user as users
from models.stores.scope import STORE_ROLES, visible_stores

COMMAND = "门店"
SHOWN = 5  # stores listed in the chat; the stores page lists them all


@router.command(COMMAND, usage=texts.STORES_USAGE, summary=texts.STORES_SUMMARY,
                roles=STORE_ROLES)
def stores_command(event: Event, session: Session) -> Reply:
    sender = users.by_platform_id(session, event.platform, event.user_id)
    if sender is None:
        return Reply(text=texts.HELP_UNREGISTERED)
    if sender.role not in STORE_ROLES or not sender.active:
        return Reply(text=texts.STORES_REFUSED)
    stores = visible_stores(session, sender)
    if not stores:
        return Reply(text=texts.STORES_NONE)

    def link(label: str, path: str) -> str:
        return f"[{markdown_text(label)}]({signin_url(event.platform, path)})"

    manager = sender.role == "store_manager"
    lines = [f"**{texts.STORES_TITLE.format(n=len(stores))}**"]
    for store in stores[:SHOWN]:
        line = "· " + link(f"{store.name}（{store.code}）", f"/h5/stores/{store.id}")
        if manager:
            line += " · " + link(texts.STORES_REPORT, f"/h5/stores/{store.id}/report")
        lines.append(line)
    if len(stores) > SHOWN:
        lines.append(link(texts.STORES_MORE.format(n=len(stores) - SHOWN), "/h5/stores"))
    lines.append(link(texts.STORES_PROMOTIONS, "/h5/promotions"))
    return Reply(markdown="\n".join(lines))
