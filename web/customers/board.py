"""The follow-up board of the small-team preset (C8): the customers the user may see,
one column per 跟进阶段, each card with the four board fields — name, contact, next
follow-up time, stage — and whether a photo proof is on file. Shown when the team
setting ``followup_board`` is on and the preset's stage field is active; the fields are
ordinary custom fields, so a supervisor can rename options or add more."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import Blueprint, render_template
from sqlmodel import col

from models.config import custom_fields as cf
from models.config import presets
from models.config import team_config as tc
from models.customers.customer import Customer
from models.customers.scope import visible_customers
from models.org.user import User
from web.admin import fields_texts as texts
from web.auth.guard import login_required
from web.auth.pages import message_page
from zhongshu import clock
from zhongshu.db import session_scope

bp = Blueprint("board", __name__)

BOARD_LIMIT = 500  # a small team's whole book; larger teams use the customer list


@bp.get("/h5/board")
@login_required
def board(user: User) -> tuple[str, int]:
    team = tc.team_of(user)  # the board is a team's choice (its preset or setting)
    with session_scope() as db:
        stage = cf.find_field(db, cf.CUSTOMER, presets.STAGE_FIELD, team)
        due = cf.find_field(db, cf.CUSTOMER, presets.NEXT_FIELD, team)
        proof = cf.find_field(db, cf.CUSTOMER, presets.PROOF_FIELD, team)
        if not tc.get(db, tc.FOLLOWUP_BOARD, team) or stage is None or not stage.active:
            return message_page(texts.BOARD_OFF_TITLE, texts.BOARD_OFF_DESC, status=404,
                                user=user)
        customers = list(db.exec(visible_customers(user)
                                 .order_by(col(Customer.id).desc()).limit(BOARD_LIMIT)))
        values = cf.values_for(db, cf.CUSTOMER, [c.id for c in customers if c.id is not None])
    today = clock.today()
    columns: dict[str, list[dict[str, Any]]] = {o: [] for o in stage.options}
    columns[texts.BOARD_NO_STAGE] = []
    for c in customers:
        mine = values.get(c.id or 0, {})
        when = mine.get(due.id or 0) if due is not None and due.active else None
        card = {"customer": c, "next": when,
                "overdue": bool(when) and date.fromisoformat(str(when)) < today,
                "proof": bool(proof is not None and proof.active and mine.get(proof.id or 0))}
        columns.setdefault(mine.get(stage.id or 0) or texts.BOARD_NO_STAGE, []).append(card)
    for cards in columns.values():
        cards.sort(key=lambda card: (card["next"] is None, card["next"] or ""))
    return render_template("h5/board.html", user=user, C=texts, columns=columns,
                           stage=stage, due=due), 200
