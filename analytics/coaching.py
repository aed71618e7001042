"""The weekly coaching list (C9): per team, the 3 reps with the lowest process compliance.

Ranking: reps of the team with at least one visit that week, lowest compliance first, then
more visits first (more incomplete records is the bigger coaching need), then name. Reps
with no visit at all are listed after them with compliance "-" when fewer than 3 visited —
a rep who never checks in is the first one to coach. Reps at 100 % are never listed.

``chart_png`` draws the team's compliance bars with pillow (the card's image: a signed URL,
``cards.links.chart_path``, served by web.dashboard.pages); ``workbook`` writes the list as
.xlsx with openpyxl."""

from __future__ import annotations

import io
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import Cell
from openpyxl.styles import Font
from PIL import Image, ImageDraw, ImageFont
from sqlmodel import Session

from analytics.metrics import Person, Selection, WeekSums, by_owner, reps, teams
from lib.photos import find_cjk_font
from lib.sheet_out import text_cell
from lib.workdays import is_workday
from models.org.user import User

COACH_COUNT = 3
SEND_TIME = time(9, 0)
TITLE = "本周辅导名单（流程合规率最低的 {n} 位）"
SHEET_HEADERS = ("团队主管", "业务员", "拜访数", "合规拜访数", "合规率")
CHART_TITLE = "{week} 周 团队流程合规率"
CHART_TITLE_ASCII = "Process compliance, week of {week}"
NO_VISITS = "无拜访"


@dataclass(frozen=True)
class CoachLine:
    team: str  # supervisor userid
    team_name: str
    rep: str
    name: str
    visits: int
    complete: int

    @property
    def rate(self) -> float | None:
        return self.complete / self.visits if self.visits else None

    @property
    def rate_text(self) -> str:
        return f"{self.rate:.0%}" if self.rate is not None else NO_VISITS


def team_lines(session: Session, sel: Selection, supervisor: Person | User, week: date,
               owners: dict[str, WeekSums] | None = None,
               members: list[Person] | None = None) -> list[CoachLine]:
    """Every rep of the supervisor's team with the week's compliance, ranked (``owners``,
    ``members``: the week's ``by_owner`` sums and the visible reps, when the caller
    already has them)."""
    owners = by_owner(session, sel, week) if owners is None else owners
    if members is None:
        members = reps(session, sel.user, supervisor.wecom_userid)
    lines = []
    for rep in members:
        if rep.supervisor_userid != supervisor.wecom_userid:
            continue
        sums = owners.get(rep.wecom_userid)
        lines.append(CoachLine(supervisor.wecom_userid, supervisor.name, rep.wecom_userid,
                               rep.name, int(sums["visits"]) if sums else 0,
                               int(sums["complete_visits"]) if sums else 0))
    return sorted(lines, key=lambda c: (c.rate is None, c.rate if c.rate is not None else 0,
                                        -c.visits, c.name, c.rep))


def lowest(lines: list[CoachLine]) -> list[CoachLine]:
    """The first 3 of the ranked lines that need coaching: a rep whose every visit was
    complete (100 %) is never on the list, even in a team where all did well."""
    return [line for line in lines if line.rate is None or line.rate < 1][:COACH_COUNT]


def coaching_list(session: Session, sel: Selection, week: date, *,
                  owners: dict[str, WeekSums] | None = None,
                  members: list[Person] | None = None) -> list[CoachLine]:
    """The 3 lowest of every team the selection covers (the export)."""
    found: list[CoachLine] = []
    owners = by_owner(session, sel, week) if owners is None else owners
    members = reps(session, sel.user, sel.team) if members is None else members
    by_team: dict[str | None, list[Person]] = defaultdict(list)
    for member in members:
        by_team[member.supervisor_userid].append(member)
    for supervisor in teams(session, sel.user):
        if sel.team is not None and supervisor.wecom_userid != sel.team:
            continue
        found.extend(lowest(team_lines(session, sel, supervisor, week, owners,
                                       by_team[supervisor.wecom_userid])))
    return found


def send_at(week: date, tz: tzinfo) -> datetime:
    """09:00 business time on the week's first Chinese working day (Monday, unless it is a
    public holiday)."""
    day = week
    while not is_workday(day):
        day += timedelta(days=1)
    return datetime.combine(day, SEND_TIME, tz)


def workbook(lines: list[CoachLine], week: date) -> bytes:
    """The export, streamed (openpyxl's write-only mode: no cell objects kept)."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet(f"{week.isoformat()} 辅导名单")
    for column, width in zip("ABCDE", (14, 14, 10, 12, 10), strict=True):
        sheet.column_dimensions[column].width = width
    bold = Font(bold=True)
    sheet.append([_cell(sheet, title, font=bold) for title in SHEET_HEADERS])
    for line in lines:
        rate = (_cell(sheet, round(line.rate, 4), number_format="0.0%")
                if line.rate is not None else None)
        sheet.append([text_cell(sheet, line.team_name), text_cell(sheet, line.name),
                      line.visits, line.complete, rate])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _cell(sheet: Any, value: Any, **style: Any) -> Cell:
    cell = text_cell(sheet, value) if isinstance(value, str) else WriteOnlyCell(sheet,
                                                                                 value=value)
    for name, setting in style.items():
        setattr(cell, name, setting)
    return cell


def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    path = find_cjk_font()
    return ImageFont.truetype(path, size) if path else ImageFont.load_default(size)


def chart_png(lines: list[CoachLine], week: date) -> bytes:
    """Horizontal bars of every rep's compliance, the 3 to coach in red."""
    width, row, top = 640, 44, 64
    height = top + row * max(1, len(lines)) + 24
    image = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(image)
    # Without a CJK font on the server, labels fall back to ASCII (userids) rather than
    # boxes; the card's fields carry the names either way.
    cjk = find_cjk_font() is not None
    title = CHART_TITLE if cjk else CHART_TITLE_ASCII
    draw.text((16, 16), title.format(week=week.isoformat()), fill="#222", font=_font(22))
    label_font, value_font = _font(16), _font(14)
    bar_left, bar_right = 150, width - 80
    coach = {line.rep for line in lowest(lines)}
    for n, line in enumerate(lines):
        y = top + n * row
        draw.text((16, y + 10), line.name if cjk else line.rep, fill="#333", font=label_font)
        rate = line.rate or 0.0
        length = int((bar_right - bar_left) * rate)
        draw.rectangle((bar_left, y + 8, bar_right, y + 32), fill="#f2f2f2")
        if length:
            draw.rectangle((bar_left, y + 8, bar_left + length, y + 32),
                           fill="#e5484d" if line.rep in coach else "#07c160")
        value = line.rate_text if line.rate is not None or cjk else "-"
        draw.text((bar_right + 8, y + 12), value, fill="#333", font=value_font)
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()
