"""Contract cards: finance's review card (WeCom buttons / DingTalk link), a contract's
summary card and a short list. Pure: plain values in, neutral ``Card`` / ``Reply`` out."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from cards import contract_texts as texts
from cards.render import markdown_text
from lib.chat import Button, Card, Reply

APPROVE_PREFIX = "contract.approve"
RETURN_PREFIX = "contract.return"


@dataclass(frozen=True)
class ContractView:
    """What a card shows of one contract (already formatted)."""

    contract_id: int
    contract_no: str
    customer_name: str
    amount: str  # "128,000.00"
    rep_name: str
    status: str  # the Chinese status label
    signed_at: str  # business time, "" when not signed
    stamped: str  # 已上传 / 未上传 / 未上传（风险单）
    collected: str
    url: str


def review_card(view: ContractView, *, task_id: str, return_reason: str | None = None,
                buttons: bool = True) -> Card:
    """Finance's card: WeCom shows 审核通过 / 退回; DingTalk (``buttons=False``) links to
    the review page, since nothing calls us back when a work-notification button is tapped."""
    description = (texts.RESIGNED_DESCRIPTION.format(rep=view.rep_name, reason=return_reason)
                   if return_reason else texts.REVIEW_DESCRIPTION.format(rep=view.rep_name))
    return Card(
        title=texts.REVIEW_TITLE,
        description=description,
        fields=((texts.LABEL_CONTRACT_NO, view.contract_no),
                (texts.LABEL_CUSTOMER, view.customer_name),
                (texts.LABEL_AMOUNT, f"¥{view.amount}"),
                (texts.LABEL_REP, view.rep_name),
                (texts.LABEL_SIGNED_AT, view.signed_at),
                (texts.LABEL_STAMPED, view.stamped)),
        url=view.url,
        buttons=(Button(texts.APPROVE, f"{APPROVE_PREFIX}:{view.contract_id}", style=1),
                 Button(texts.RETURN, f"{RETURN_PREFIX}:{view.contract_id}", style=3))
        if buttons else (),
        task_id=task_id if buttons else None,
    )


def contract_card(view: ContractView) -> Card:
    """One contract, as the ``合同`` command shows it."""
    fields = [(texts.LABEL_CUSTOMER, view.customer_name),
              (texts.LABEL_AMOUNT, f"¥{view.amount}"),
              (texts.LABEL_STATUS, view.status),
              (texts.LABEL_COLLECTED, f"¥{view.collected}"),
              (texts.LABEL_SIGNED_AT, view.signed_at or "—"),
              (texts.LABEL_STAMPED, view.stamped)]
    return Card(title=texts.DETAIL_TITLE.format(no=view.contract_no),
                description=texts.LABEL_REP + "：" + view.rep_name,
                fields=tuple(fields), url=view.url)


def contract_list(views: Sequence[ContractView], *, more: bool) -> Reply:
    lines = [f"**{texts.LIST_TITLE.format(count=len(views))}**"]
    lines += [texts.LIST_LINE.format(index=i, no=markdown_text(v.contract_no), url=v.url,
                                     customer=markdown_text(v.customer_name),
                                     amount=v.amount,
                                     status=v.status)
              for i, v in enumerate(views, 1)]
    if more:
        lines.append(texts.LIST_MORE)
    return Reply(markdown="\n".join(lines))
