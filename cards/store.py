"""Store cards (C12): plain values in, neutral ``Reply`` out; the Chinese of store
messages lives here."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from lib.chat import Card, Reply

ALERT_TITLE = "门店客流高、转化低：{name}"
ALERT_DESC = ("{name}（{code}）连续两周客流高于同行、成交转化低于同行，"
              "请关注陈列、排队、缺货或价格。点击查看客流热力图。")
WEEK = "{start}—{end}"
TRAFFIC = "客流（{week}）"
CONVERSION = "转化率（{week}）"
PEER = "同行中位数"
TRAFFIC_VALUE = "{n} 人（同行中位数 {peer:.0f}）"
CONVERSION_VALUE = "{conv:.1%}（同行中位数 {peer:.1%}）"


def _md(day: date) -> str:
    return f"{day.month}月{day.day}日"


def week_text(week: date) -> str:
    return WEEK.format(start=_md(week), end=_md(week + timedelta(days=6)))


@dataclass(frozen=True)
class WeekNumbers:
    week: date
    traffic: int
    conversion: float
    peer_traffic: float
    peer_conversion: float


def alert_card(*, name: str, code: str, this_week: WeekNumbers, last_week: WeekNumbers,
               url: str) -> Reply:
    fields: list[tuple[str, str]] = []
    for numbers in (this_week, last_week):
        label = week_text(numbers.week)
        fields.append((TRAFFIC.format(week=label),
                       TRAFFIC_VALUE.format(n=numbers.traffic, peer=numbers.peer_traffic)))
        fields.append((CONVERSION.format(week=label),
                       CONVERSION_VALUE.format(conv=numbers.conversion,
                                               peer=numbers.peer_conversion)))
    return Reply(card=Card(title=ALERT_TITLE.format(name=name),
                           description=ALERT_DESC.format(name=name, code=code),
                           fields=tuple(fields), url=url))
