"""Customer cards and lists: plain values in, neutral ``Card`` / ``Reply`` out.

Pure: callers look the customer up (within the viewer's scope), compute day counts and
build the page links (WeCom OAuth or plain, per platform), then pass plain dataclasses
here. cards/render.py turns the result into each platform's message."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from cards import texts
from cards.render import markdown_text
from lib.chat import Card, Reply

# WeCom shows a horizontal_content_list value in one line; it suggests at most 26
# characters, longer values are cut by the client mid-word, so we cut them ourselves.
FIELD_VALUE_MAX = 26
# WeCom truncates text and markdown messages beyond 2048 bytes (PLATFORMS.md §2.2); a
# list with OAuth links (~250 bytes each) can exceed that, so it is split into messages.
MARKDOWN_MAX_BYTES = 2048
CUSTOM_LINES_MAX = 4


@dataclass(frozen=True)
class RegisteredCustomer:
    """A customer just registered by the viewer, with the link to its page."""

    name: str
    contact: str
    phone: str
    industry: str
    intent: str
    url: str


@dataclass(frozen=True)
class CustomerSummary:
    """What a card or list line shows about one customer the viewer may see."""

    name: str
    url: str
    grade: str | None = None
    owner_name: str | None = None
    contact: str | None = None
    phone: str | None = None
    days_since_interaction: int | None = None  # calendar days in the business time zone
    days_since_order: int | None = None
    mine: bool = True  # the viewer owns it: lists then don't repeat the owner's name
    wechat: bool = False  # a WeChat friend of the viewer (WeCom 客户联系)
    # The supervisor's own fields (C8) with a value, in form order: (name, value).
    extra: tuple[tuple[str, str], ...] = ()


def _short(value: str, limit: int = FIELD_VALUE_MAX) -> str:
    return value if len(value) <= limit else value[: limit - 1] + texts.ELLIPSIS


def _days(days: int | None) -> str:
    if days is None:
        return texts.NEVER
    if days <= 0:
        return texts.TODAY
    return texts.DAYS_AGO.format(days=days)


def _grade(grade: str | None) -> str:
    return texts.GRADE_VALUE.format(grade=grade) if grade else texts.NO_GRADE


def _link_text(name: str) -> str:
    # Brackets in a name would end the markdown link text early (and worse).
    return markdown_text(name)


def registered_card(customer: RegisteredCustomer) -> Card:
    """The confirmation after ``新客户``: the five fields as stored, and the 360 link."""
    return Card(
        title=texts.REGISTERED_TITLE,
        description=texts.REGISTERED_DESCRIPTION,
        fields=(
            (texts.LABEL_CUSTOMER, _short(customer.name)),
            (texts.LABEL_CONTACT, _short(customer.contact)),
            # The rep registered it and owns it: the full number, not a masked one.
            (texts.LABEL_PHONE, customer.phone),
            (texts.LABEL_INDUSTRY, _short(customer.industry)),
            (texts.LABEL_INTENT, _short(customer.intent)),
        ),
        url=customer.url,
    )


def quick_register_card(url: str, usage: str) -> Card:
    """The workbench button's answer: the form's link, and the chat command instead."""
    return Card(title=texts.QUICK_REGISTER_TITLE,
                description=texts.QUICK_REGISTER_DESCRIPTION.format(usage=usage), url=url)


def custom_lines(extra: Sequence[tuple[str, str]]) -> str:
    """Custom field values as description lines: WeCom cards hold six rows at most and the
    built-in facts use them, so these go under the title (a few, each shortened)."""
    shown = [texts.CUSTOM_FIELD_LINE.format(name=name, value=_short(value))
             for name, value in extra[:CUSTOM_LINES_MAX]]
    if len(extra) > CUSTOM_LINES_MAX:
        shown.append(texts.CUSTOM_FIELDS_MORE.format(count=len(extra) - CUSTOM_LINES_MAX))
    return "\n".join(shown)


def customer_card(customer: CustomerSummary) -> Card:
    """One customer at a glance, linking to its 360 page."""
    return Card(
        title=customer.name + (texts.WECHAT_FRIEND_TITLE if customer.wechat else ""),
        description=custom_lines(customer.extra),
        fields=(
            (texts.LABEL_GRADE, _grade(customer.grade)),
            (texts.LABEL_OWNER, customer.owner_name or texts.NO_OWNER),
            (texts.LABEL_CONTACT, _short(customer.contact or texts.NOT_FILLED)),
            (texts.LABEL_PHONE, customer.phone or texts.NOT_FILLED),
            (texts.LABEL_LAST_INTERACTION, _days(customer.days_since_interaction)),
            (texts.LABEL_LAST_ORDER, _days(customer.days_since_order)),
        ),
        url=customer.url,
    )


def _line(index: int, customer: CustomerSummary) -> str:
    values = {"index": index, "name": _link_text(customer.name), "url": customer.url,
              "grade": _grade(customer.grade),
              "owner": markdown_text(customer.owner_name or texts.NO_OWNER),
              "interaction": _days(customer.days_since_interaction)}
    template = texts.LIST_LINE if customer.mine else texts.LIST_LINE_OWNER
    line = template.format(**values)
    return line + texts.WECHAT_FRIEND_MARK if customer.wechat else line


def _markdown_messages(title: str, lines: Sequence[str], footer: str = "") -> list[Reply]:
    """``**title**`` then the lines (then the footer), split into as many markdown
    messages as needed to keep each within MARKDOWN_MAX_BYTES."""
    def size(parts: list[str]) -> int:
        return len("\n".join(parts).encode("utf-8"))

    messages: list[list[str]] = [[f"**{title}**"]]
    for line in [*lines, *([footer] if footer else [])]:
        if size([*messages[-1], line]) > MARKDOWN_MAX_BYTES:
            messages.append([f"**{title}{texts.LIST_CONTINUED}**"])
        messages[-1].append(line)
    return [Reply(markdown="\n".join(parts)) for parts in messages]


def my_customers(customers: Sequence[CustomerSummary]) -> list[Reply]:
    """The viewer's most recently active customers, most recent first (not empty)."""
    title = texts.MY_CUSTOMERS_TITLE.format(count=len(customers))
    return _markdown_messages(title, [_line(i, c) for i, c in enumerate(customers, 1)])


def search_results(query: str, customers: Sequence[CustomerSummary], *,
                   more: bool) -> list[Reply]:
    """Several customers match ``客户 <query>``: a short list and how to narrow it down."""
    footer = texts.SEARCH_MANY_HINT.format(example=customers[0].name if customers else query)
    if more:
        footer = texts.SEARCH_MORE + footer
    return _markdown_messages(texts.SEARCH_MANY_TITLE.format(query=query),
                              [_line(i, c) for i, c in enumerate(customers, 1)], footer)
