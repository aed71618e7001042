"""Dashboard cards (C9): the ``健康度`` answer and the Monday coaching card, and the figure
formats (``pct``, ``days``) the dashboard pages share with them. Pure: the callers compute
the figures and build the links; the Chinese text lives here."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from lib.chat import Card, Reply

HEALTH_TITLE = "销售健康度 · {scope}"
HEALTH_DESC = "{start}—{end} 周 · {fresh}"
HEALTH_REFUSED = "健康度看板面向主管和销售总监。你的客户和拜访情况可以在「我的客户」里查看。"
HEALTH_USAGE = "健康度"
HEALTH_SUMMARY = "团队的四项健康指标（主管、总监）"
COACH_TITLE = "本周辅导名单：{team}团队合规率最低的 {n} 位"
COACH_DESC = ("{start}—{end} 周的流程合规率（记录、客户需求、下一步齐全的拜访占比）。"
              "点开查看全队图表。")
COACH_NONE = "本周团队没有业务员。"
COACH_ROW = "{rate}（{complete}/{visits} 次拜访）"
COACH_NO_VISITS = "本周无拜访"
METRICS = ("拜访覆盖率", "线索转化周期", "回款率", "流程合规率")
# The scope a figure covers when it is the viewer's whole one (the card and the pages).
WHOLE_SCOPE = {"director": "全公司", "supervisor": "我的团队"}


def pct(value: float | None) -> str:
    return "-" if value is None else f"{value * 100:.1f}%"


def days(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f} 天"


def _md(day: date) -> str:
    return f"{day.month}月{day.day}日"


@dataclass(frozen=True)
class HealthFigures:
    scope: str
    week: date
    coverage: str
    conversion: str
    collection: str
    compliance: str
    freshness: str


def health_card(figures: HealthFigures, *, url: str) -> Reply:
    values = (figures.coverage, figures.conversion, figures.collection, figures.compliance)
    return Reply(card=Card(
        title=HEALTH_TITLE.format(scope=figures.scope),
        description=HEALTH_DESC.format(start=_md(figures.week),
                                       end=_md(figures.week + timedelta(days=6)),
                                       fresh=figures.freshness),
        fields=tuple(zip(METRICS, values, strict=True)), url=url))


@dataclass(frozen=True)
class CoachRow:
    name: str
    visits: int
    complete: int
    rate: str


def coaching_card(team: str, week: date, rows: Sequence[CoachRow], *, url: str) -> Reply:
    if not rows:
        return Reply(text=COACH_NONE)
    fields = tuple((r.name, COACH_ROW.format(rate=r.rate, complete=r.complete, visits=r.visits)
                    if r.visits else COACH_NO_VISITS) for r in rows)
    return Reply(card=Card(
        title=COACH_TITLE.format(team=team, n=len(rows)),
        description=COACH_DESC.format(start=_md(week), end=_md(week + timedelta(days=6))),
        fields=fields, url=url))
