"""The machinery every spreadsheet import shares (see models.imports.importer for the rules).

``run`` streams a file's rows (lib.sheets), finds the header row, hands each row to
an ``Importer`` to clean, collects refusals, and lets the importer write valid rows in
batches, committing each batch; refused rows go to the .xlsx error report as they are
found. Also here: header matching, the user directory for 负责人, value parsing (dates,
amounts, phone cells) and the report writer."""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import openpyxl
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.utils.datetime import from_excel
from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session

from lib.numbers import parse_number
from lib.sheets import SheetError, iter_rows
from lib.text import clean_text
from models import messages as M
from models.customers import cleaning as fields
from models.org.user import User

HEADER_SCAN_ROWS = 10
BATCH_SIZE = 2000
Progress = Callable[[int], None]
# Row counters and our own report columns: never data, never kept in ``extra``.
IGNORED_HEADERS = ("序号", "行号", M.IMPORT_REPORT_ROW_HEADER, M.IMPORT_REPORT_REASON_HEADER)
_HEADER_NOISE = re.compile(r"[\s*＊:：]|[(（](?:必填|选填|可选|必须|非必填)[)）]")
PHONE_SPLIT = re.compile(r"[/,，;；、|]+|\s{2,}")
_DATE = re.compile(
    r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?"
    r"(?:[\sT]+(\d{1,2})\s*[:：时点]\s*(\d{1,2})?\s*(?:[:：分]\s*(\d{1,2}(?:\.\d+)?))?\s*秒?)?$"
)
_COMPACT_DATE = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
CENT = Decimal("0.01")
MILLI = Decimal("0.001")
_MAX_AMOUNT = Decimal("1e12")


class ImportFileError(ValueError):
    """The file can't be imported at all (unreadable, no header, missing columns)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Refusal:
    row: int
    reason: str


@dataclass
class ImportResult:
    kind: str  # "customers" | "orders"
    total: int = 0  # non-blank data rows
    inserted: int = 0
    updated: int = 0  # rows that matched a stored record (customers: existing + overwritten)
    lines: int = 0  # order lines written (orders only)
    blank: int = 0
    # Customers only: rows matching a stored customer whose empty fields were filled in
    # (``existing``), or whose fields were replaced because overwriting was asked for.
    existing: int = 0
    overwritten: int = 0
    refused: list[Refusal] = field(default_factory=list)
    # Rows imported with something to say (values kept instead of overwritten); they go
    # to the report too, after the refused rows' reasons.
    notes: list[Refusal] = field(default_factory=list)
    report_path: Path | None = None
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.refused


# -- the shared run loop ------------------------------------------------------------------
def default_report_path(path: Path) -> Path:
    """``客户.xlsx`` → ``客户_错误报告.xlsx`` in the same folder."""
    return path.with_name(f"{path.stem}{M.IMPORT_REPORT_SUFFIX}")


class RowError(Exception):
    """A row that can't be imported; ``reason`` lists every problem found in it."""

    def __init__(self, reasons: list[str]) -> None:
        super().__init__(M.IMPORT_REASON_SEP.join(reasons))
        self.reason = M.IMPORT_REASON_SEP.join(reasons)


@dataclass
class Columns:
    by_field: dict[str, list[int]]
    extra: list[tuple[int, str]]  # (column index, header) of unmapped columns


class Importer:
    """One kind of import: which headers, how a row is cleaned, how a batch is written."""

    kind: str
    columns: dict[str, tuple[str, ...]]
    required: tuple[str, ...]
    one_of: tuple[str, ...] = ()

    def clean(self, row: int, values: list[Any], cols: Columns) -> Any:
        raise NotImplementedError

    def write(self, batch: list[tuple[int, Any]], result: ImportResult) -> list[Refusal]:
        raise NotImplementedError


def run(session: Session, path: Path, importer: Importer, *, report_path: Path | None,
        progress: Progress | None, batch_size: int) -> ImportResult:
    """Import ``path`` with ``importer``: stream, clean, write and commit batch by batch."""
    started = time.monotonic()
    result = ImportResult(kind=importer.kind)
    try:
        rows = iter_rows(Path(path))
        _header_row, header, cols, rest = find_header(rows, importer)
    except SheetError as error:
        raise ImportFileError(error.message) from None
    report = Report(report_path or default_report_path(Path(path)), header)
    batch: list[tuple[int, Any]] = []
    raw_by_row: dict[int, list[Any]] = {}
    refusals: list[Refusal] = []
    done = 0

    def flush() -> None:
        nonlocal done
        noted = len(result.notes)
        refused = refusals + (importer.write(batch, result) if batch else [])
        session.commit()
        for refusal in sorted(refused, key=lambda r: r.row):
            result.refused.append(refusal)
            report.add(raw_by_row[refusal.row], refusal.row, refusal.reason)
        for note in result.notes[noted:]:
            report.add(raw_by_row[note.row], note.row, note.reason)
        done += len(batch) + len(refusals)
        batch.clear()
        raw_by_row.clear()
        refusals.clear()
        if progress is not None:
            progress(done)

    try:
        for number, values in rest:
            if is_blank(values):
                result.blank += 1
                continue
            result.total += 1
            raw_by_row[number] = values
            try:
                batch.append((number, importer.clean(number, values, cols)))
            except RowError as error:
                refusals.append(Refusal(number, error.reason))
            if len(batch) + len(refusals) >= batch_size:
                flush()
        flush()
    except SheetError as error:
        raise ImportFileError(error.message) from None
    finally:
        result.report_path = report.close()
    if result.total == 0:
        raise ImportFileError(M.IMPORT_EMPTY)
    result.seconds = time.monotonic() - started
    return result


def header_key(value: Any) -> str:
    text = clean_text(value)
    return _HEADER_NOISE.sub("", text).lower() if text else ""


def find_header(rows: Iterator[tuple[int, list[Any]]], importer: Importer
                 ) -> tuple[int, list[Any], Columns, Iterator[tuple[int, list[Any]]]]:
    """The header is the first of the leading rows that names every required column;
    rows above it (titles, merged banners, notes) are dropped."""
    lookup = {header_key(name): f for f, names in importer.columns.items() for name in names}
    ignored = {header_key(h) for h in IGNORED_HEADERS}
    scanned: list[tuple[int, list[Any]]] = []
    best: tuple[int, set[str]] = (0, set())
    names = labels(importer)
    for number, values in rows:
        scanned.append((number, values))
        found = {lookup[k] for k in map(header_key, values) if k in lookup}
        missing = [f for f in importer.required if f not in found]
        if not missing and (not importer.one_of or found & set(importer.one_of)):
            by_field: dict[str, list[int]] = {}
            extra: list[tuple[int, str]] = []
            for index, value in enumerate(values):
                key = header_key(value)
                if key in lookup:
                    by_field.setdefault(lookup[key], []).append(index)
                elif key and key not in ignored:
                    extra.append((index, clean_text(value) or key))
            return number, values, Columns(by_field, extra), rows
        if len(found) > len(best[1]):
            best = (number, found)
        if len(scanned) >= HEADER_SCAN_ROWS:
            break
    if len(best[1]) >= 2:
        missing_cols = [names[f] for f in importer.required if f not in best[1]]
        if missing_cols:
            raise ImportFileError(M.IMPORT_MISSING_COLUMNS.format(
                columns=M.LIST_SEP.join(missing_cols)))
        raise ImportFileError(M.IMPORT_MISSING_ONE_OF.format(
            columns=M.OR_SEP.join(names[f] for f in importer.one_of)))
    if not scanned:
        raise ImportFileError(M.IMPORT_EMPTY)
    raise ImportFileError(M.IMPORT_NO_HEADER.format(
        rows=HEADER_SCAN_ROWS, required=M.LIST_SEP.join(names[f] for f in importer.required)))


def labels(importer: Importer) -> dict[str, str]:
    return {f: names[0] for f, names in importer.columns.items()}


def is_blank(values: list[Any]) -> bool:
    for value in values:
        if value is None:
            continue
        if isinstance(value, str) and not value.strip():
            continue
        return False
    return True


def cells(values: list[Any], cols: Columns, name: str) -> list[tuple[int, Any]]:
    """(column index, value) of the non-empty cells mapped to ``name``."""
    out = []
    for index in cols.by_field.get(name, ()):
        value = values[index] if index < len(values) else None
        if value is not None and not (isinstance(value, str) and not value.strip()):
            out.append((index, value))
    return out


def first(values: list[Any], cols: Columns, name: str) -> Any:
    """The first non-empty cell mapped to ``name`` (called per field per row: kept lean)."""
    size = len(values)
    for index in cols.by_field.get(name, ()):
        if index < size:
            value = values[index]
            if value is not None and (not isinstance(value, str) or value.strip()):
                return value
    return None


def jsonable(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        return clean_text(value)
    return value


def extra_values(values: list[Any], cols: Columns) -> dict[str, Any]:
    out = {}
    for index, header in cols.extra:
        value = values[index] if index < len(values) else None
        value = jsonable(value)
        if value is not None:
            out[header] = value
    return out


def upsert_insert(session: Session, table: Any) -> Any:
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        return postgresql.insert(table)
    if dialect == "sqlite":
        return sqlite.insert(table)
    raise RuntimeError(f"imports support SQLite and PostgreSQL, not {dialect}")


def chunks(items: list[Any], size: int = 1000) -> Iterator[list[Any]]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


class Owners:
    """The directory, loaded once per import: 负责人 may be a WeCom userid or a unique name."""

    def __init__(self, session: Session) -> None:
        self.active: dict[str, bool] = {}
        self.lower: dict[str, str] = {}
        self.by_name: dict[str, list[str]] = {}
        for userid, name, active in session.execute(
                select(User.wecom_userid, User.name, User.active)).all():  # type: ignore[call-overload]
            self.active[userid] = active
            self.lower[userid.lower()] = userid
            self.by_name.setdefault(name, []).append(userid)

    def resolve(self, value: Any) -> str | None:
        text = clean_text(value)
        if text is None:
            return None
        userid = text if text in self.active else self.lower.get(text.lower())
        if userid is None:
            named = self.by_name.get(text, [])
            if len(named) > 1:
                raise fields.FieldError("owner", M.IMPORT_OWNER_AMBIGUOUS.format(value=text))
            if not named:
                raise fields.FieldError("owner", M.IMPORT_OWNER_UNKNOWN.format(value=text))
            userid = named[0]
        if not self.active[userid]:
            raise fields.FieldError("owner", M.IMPORT_OWNER_INACTIVE.format(value=text))
        return userid


def phone_text(value: Any) -> str:
    """A phone cell as text. Excel stores numbers typed without quotes as numbers and
    drops a landline's leading 0 (0571… becomes 571…); put it back."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int):
        digits = str(value)
        if (len(digits) in (10, 11) and not digits.startswith("1")) or \
                (len(digits) == 10 and digits.startswith("10")):
            return "0" + digits
        return digits
    return str(value)


# -- value parsing ------------------------------------------------------------------------
def parse_datetime(value: Any, tz: ZoneInfo) -> datetime:
    """A spreadsheet date/time as aware UTC; naive values are business time."""
    if value is None or (isinstance(value, str) and not value.strip()):
        raise fields.FieldError("ordered_at", M.REQUIRED.format(label=fields.label("ordered_at")))
    parsed: datetime | None = None
    if isinstance(value, datetime):
        parsed = value
    elif isinstance(value, date):
        parsed = datetime(value.year, value.month, value.day)
    elif isinstance(value, int | float) and not isinstance(value, bool) and 20000 < value < 80000:
        parsed = from_excel(value)  # a date serial in a cell without a date format
    else:
        text = clean_text(value) or ""
        match = _DATE.match(text) or _COMPACT_DATE.match(text)
        try:
            if match:
                y, mo, d, *rest = match.groups() + (None,) * (6 - len(match.groups()))
                h, mi, s = rest[:3]
                seconds = float(s) if s else 0.0
                parsed = datetime(int(y), int(mo), int(d), int(h or 0), int(mi or 0),
                                  int(seconds))
            else:
                parsed = datetime.fromisoformat(text)
        except ValueError:
            parsed = None
    if parsed is None:
        raise fields.FieldError("ordered_at", M.IMPORT_DATE_INVALID.format(value=value))
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=tz)
    return parsed.astimezone(UTC)


def parse_decimal(value: Any, field_name: str, step: Decimal, *,
                  required: bool = False) -> Decimal | None:
    """A money or quantity cell: "¥1,200.50", "3,000元", "1.2万", "3千", numbers; ≥ 0."""
    label = fields.label(field_name)
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise fields.FieldError(field_name, M.REQUIRED.format(label=label))
        return None
    if isinstance(value, bool):
        raise fields.FieldError(field_name,
                                M.IMPORT_AMOUNT_INVALID.format(label=label, value=value))
    if isinstance(value, int | float):
        number = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    else:
        try:  # "1.2万" is how people write 12,000 in a sheet (lib.numbers)
            number = parse_number(clean_text(value) or "")
        except ValueError:
            raise fields.FieldError(field_name, M.IMPORT_AMOUNT_INVALID.format(
                label=label, value=clean_text(value))) from None
    if not number.is_finite():
        raise fields.FieldError(field_name,
                                M.IMPORT_AMOUNT_INVALID.format(label=label, value=value))
    if number < 0:
        raise fields.FieldError(field_name, M.IMPORT_AMOUNT_NEGATIVE.format(label=label))
    if number >= _MAX_AMOUNT:
        raise fields.FieldError(field_name, M.IMPORT_AMOUNT_TOO_LARGE.format(label=label,
                                                                          value=value))
    return number.quantize(step, rounding=ROUND_HALF_UP)


# -- the error report ---------------------------------------------------------------------
class Report:
    """The refused rows, as they were, plus 原行号 and 错误原因 — written as rows are
    refused (openpyxl write-only mode streams to a temp file), saved at the end."""

    def __init__(self, path: Path, header: list[Any]) -> None:
        self.path = path
        self.header = header
        self.wb: Any = None
        self.ws: Any = None

    def add(self, values: Iterable[Any], row: int, reason: str) -> None:
        if self.wb is None:
            self.wb = openpyxl.Workbook(write_only=True)
            self.ws = self.wb.create_sheet(M.IMPORT_REPORT_SHEET)
            self.ws.append([self._cell(v) for v in self.header] +
                           [M.IMPORT_REPORT_ROW_HEADER, M.IMPORT_REPORT_REASON_HEADER])
        values = list(values)
        values += [None] * (len(self.header) - len(values))
        # The reason quotes the bad value, which may hold characters a worksheet refuses.
        self.ws.append([self._cell(v) for v in values] + [row, self._cell(reason)])

    def _cell(self, value: Any) -> Any:
        if isinstance(value, str):
            value = ILLEGAL_CHARACTERS_RE.sub("", value)
            if value.startswith("="):
                # Written back as text: a cell from an untrusted file must not become a
                # formula in the report someone opens.
                cell = WriteOnlyCell(self.ws, value=value)
                cell.data_type = "s"
                return cell
        if isinstance(value, datetime) and value.tzinfo is not None:
            return value.replace(tzinfo=None)
        return value

    def close(self) -> Path | None:
        if self.wb is None:
            return None
        self.wb.save(self.path)
        return self.path
