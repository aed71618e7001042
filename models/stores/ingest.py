"""Foot traffic and POS transactions into the store tables (C12).

Both come in batches — a people counter's signed JSON post, a CSV/xlsx upload, a POS
export — and each batch is all-or-nothing: every row is checked first, and if any row
is refused, nothing of the batch is written and the caller gets the full row report
(a partly stored file is worse than none: the manager re-sends it and cannot tell which
half got in). Traffic is upserted by (store, hour), so the same hour sent again replaces
the count instead of adding to it; receipts are keyed by receipt number, so re-importing
an export stores nothing new.

``allowed`` restricts the store codes a batch may touch (a store manager uploading for
their own store); a code outside it reads exactly like an unknown one."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from lib import sheets
from lib.numbers import parse_number
from models.base import utcnow
from models.imports.core import upsert_insert
from models.stores.store import Store, StoreSale, StoreTraffic

# -- what people read (Chinese, one place for this module) -----------------------------------
UNKNOWN_STORE = "门店编码“{code}”不存在或无权上传"
MISSING = "缺少{label}"
BAD_HOUR = "时间“{value}”无法识别，应为整点，例如 2026-11-02 09:00"
NOT_ON_HOUR = "时间“{value}”不是整点（客流按小时统计，例如 09:00）"
BAD_COUNT = "客流“{value}”不是整数"
NEGATIVE_COUNT = "客流不能为负数（{value}）"
DUPLICATE_HOUR = "与第 {first} 行重复：门店 {code} 的 {hour} 已出现过"
BAD_TIME = "交易时间“{value}”无法识别"
BAD_AMOUNT = "金额“{value}”不是有效数字"
NEGATIVE_AMOUNT = "金额不能为负数（{value}）"
DUPLICATE_RECEIPT = "小票号“{receipt}”与第 {first} 行重复"
NO_ROWS = "文件中没有数据行"
NO_HEADER = "找不到表头，需要的列：{columns}"
FUTURE = "时间“{value}”在未来"

TRAFFIC_COLUMNS = {"store": "门店编码", "hour": "时间", "visitors": "客流"}
SALE_COLUMNS = {"store": "门店编码", "at": "交易时间", "amount": "金额", "member": "会员号",
                "receipt": "小票号"}
SALE_REQUIRED = ("store", "at", "amount", "receipt")
HEADER_ALIASES = {"门店": "store", "门店代码": "store", "store": "store", "store_code": "store",
                  "小时": "hour", "hour": "hour", "客流量": "visitors", "人数": "visitors",
                  "visitors": "visitors", "时间": "hour", "交易时间": "at", "time": "at",
                  "amount": "amount", "金额": "amount", "会员": "member", "会员号": "member",
                  "会员编号": "member", "member_id": "member", "小票号": "receipt",
                  "小票编号": "receipt", "receipt_no": "receipt", "门店编码": "store",
                  "客流": "visitors"}


@dataclass(frozen=True)
class RowIssue:
    row: int
    code: str
    message: str

    def to_dict(self) -> dict[str, Any]:
        return {"row": self.row, "code": self.code, "message": self.message}


@dataclass
class IngestResult:
    rows: int = 0
    stored: int = 0  # rows written (new or replaced)
    unchanged: int = 0  # receipts already imported
    errors: list[RowIssue] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


class BatchError(ValueError):
    """The batch as a whole cannot be read (Chinese ``message``)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


# -- parsing one value ---------------------------------------------------------------------

def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def parse_moment(value: Any, tz: ZoneInfo) -> datetime | None:
    """A time as aware UTC; naive values are business time. None if unreadable."""
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, date):
        moment = datetime(value.year, value.month, value.day)
    else:
        text = _text(value).replace("/", "-")
        if not text:
            return None
        try:
            moment = datetime.fromisoformat(text.replace("T", " ", 1) if "T" in text else text)
        except ValueError:
            return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=tz)
    return moment.astimezone(UTC)


def _count(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    text = _text(value)
    try:
        return int(text)
    except ValueError:
        return None


def _store_codes(session: Session, allowed: set[str] | None) -> dict[str, int]:
    rows = session.exec(select(Store.code, Store.id).where(col(Store.active).is_(True)))
    return {code: sid for code, sid in rows
            if sid is not None and (allowed is None or code in allowed)}


# -- traffic ---------------------------------------------------------------------------------

def ingest_traffic(session: Session, rows: Iterable[tuple[int, Mapping[str, Any]]], *,
                   tz: ZoneInfo, source: str, allowed: set[str] | None = None,
                   now: datetime | None = None) -> IngestResult:
    """``rows``: (row number, {"store", "hour", "visitors"}). All-or-nothing."""
    now = now or utcnow()
    codes = _store_codes(session, allowed)
    result = IngestResult()
    seen: dict[tuple[int, datetime], int] = {}
    clean: list[dict[str, Any]] = []
    for number, row in rows:
        result.rows += 1
        code = _text(row.get("store"))
        raw_hour, raw_count = row.get("hour"), row.get("visitors")
        problems: list[RowIssue] = []
        store_id = codes.get(code)
        if not code:
            problems.append(RowIssue(number, "missing_store",
                                     MISSING.format(label=TRAFFIC_COLUMNS["store"])))
        elif store_id is None:
            problems.append(RowIssue(number, "unknown_store", UNKNOWN_STORE.format(code=code)))
        hour = parse_moment(raw_hour, tz)
        if _text(raw_hour) == "" and not isinstance(raw_hour, datetime):
            problems.append(RowIssue(number, "missing_hour",
                                     MISSING.format(label=TRAFFIC_COLUMNS["hour"])))
        elif hour is None:
            problems.append(RowIssue(number, "bad_hour", BAD_HOUR.format(value=raw_hour)))
        elif hour.minute or hour.second or hour.microsecond:
            problems.append(RowIssue(number, "bad_hour", NOT_ON_HOUR.format(value=raw_hour)))
        elif hour > now:
            problems.append(RowIssue(number, "future", FUTURE.format(value=raw_hour)))
        count = _count(raw_count)
        if count is None:
            problems.append(RowIssue(number, "bad_count", BAD_COUNT.format(value=raw_count)))
        elif count < 0:
            problems.append(RowIssue(number, "negative_count",
                                     NEGATIVE_COUNT.format(value=raw_count)))
        if not problems and store_id is not None and hour is not None and count is not None:
            first = seen.get((store_id, hour))
            if first is not None:
                problems.append(RowIssue(number, "duplicate_hour", DUPLICATE_HOUR.format(
                    first=first, code=code,
                    hour=hour.astimezone(tz).strftime("%Y-%m-%d %H:%M"))))
            else:
                seen[(store_id, hour)] = number
                clean.append({"store_id": store_id, "hour": hour, "visitors": count,
                              "source": source, "updated_at": now})
        result.errors.extend(problems)
    if result.errors:
        return result
    if not clean:
        raise BatchError(NO_ROWS)
    for start in range(0, len(clean), 1000):
        stmt = upsert_insert(session, StoreTraffic).values(clean[start:start + 1000])
        stmt = stmt.on_conflict_do_update(
            index_elements=["store_id", "hour"],
            set_={"visitors": stmt.excluded.visitors, "source": stmt.excluded.source,
                  "updated_at": stmt.excluded.updated_at})
        session.execute(stmt)
    result.stored = len(clean)
    return result


# -- POS transactions --------------------------------------------------------------------------

def _amount(value: Any) -> Decimal | None:
    if isinstance(value, bool):
        return None
    try:
        amount = parse_number(_text(value))
    except ValueError:
        return None
    return amount.quantize(Decimal("0.01")) if amount.is_finite() else None


def ingest_sales(session: Session, rows: Iterable[tuple[int, Mapping[str, Any]]], *,
                 tz: ZoneInfo, allowed: set[str] | None = None,
                 now: datetime | None = None) -> IngestResult:
    """``rows``: (row number, {"store", "at", "amount", "member", "receipt"}).
    All-or-nothing; receipts already stored are left as they are."""
    now = now or utcnow()
    codes = _store_codes(session, allowed)
    result = IngestResult()
    seen: dict[str, int] = {}
    clean: list[dict[str, Any]] = []
    for number, row in rows:
        result.rows += 1
        problems: list[RowIssue] = []
        for key in SALE_REQUIRED:
            if _text(row.get(key)) == "" and not isinstance(row.get(key), datetime):
                problems.append(RowIssue(number, f"missing_{key}",
                                         MISSING.format(label=SALE_COLUMNS[key])))
        code, receipt = _text(row.get("store")), _text(row.get("receipt"))
        store_id = codes.get(code)
        if code and store_id is None:
            problems.append(RowIssue(number, "unknown_store", UNKNOWN_STORE.format(code=code)))
        at = parse_moment(row.get("at"), tz) if _text(row.get("at")) or isinstance(
            row.get("at"), datetime) else None
        if at is None and (_text(row.get("at")) or isinstance(row.get("at"), datetime)):
            problems.append(RowIssue(number, "bad_time", BAD_TIME.format(value=row.get("at"))))
        elif at is not None and at > now:
            problems.append(RowIssue(number, "future", FUTURE.format(value=row.get("at"))))
        amount = _amount(row.get("amount")) if _text(row.get("amount")) else None
        if amount is None and _text(row.get("amount")):
            problems.append(RowIssue(number, "bad_amount",
                                     BAD_AMOUNT.format(value=row.get("amount"))))
        elif amount is not None and amount < 0:
            problems.append(RowIssue(number, "negative_amount",
                                     NEGATIVE_AMOUNT.format(value=row.get("amount"))))
        if receipt:
            first = seen.get(receipt)
            if first is not None:
                problems.append(RowIssue(number, "duplicate_receipt",
                                         DUPLICATE_RECEIPT.format(receipt=receipt, first=first)))
            else:
                seen[receipt] = number
        if not problems:
            member = _text(row.get("member")) or None
            clean.append({"receipt_no": receipt[:64], "store_id": store_id, "sold_at": at,
                          "amount": amount, "member_id": member[:64] if member else None,
                          "created_at": now})
        result.errors.extend(problems)
    if result.errors:
        return result
    if not clean:
        raise BatchError(NO_ROWS)
    for start in range(0, len(clean), 1000):
        chunk = clean[start:start + 1000]
        stmt = upsert_insert(session, StoreSale).values(chunk).on_conflict_do_nothing(
            index_elements=["receipt_no"]).returning(StoreSale.id)
        result.stored += len(list(session.execute(stmt)))
    result.unchanged = len(clean) - result.stored
    return result


# -- files -----------------------------------------------------------------------------------

def _header(values: list[Any]) -> dict[str, int]:
    found: dict[str, int] = {}
    for index, value in enumerate(values):
        key = HEADER_ALIASES.get(_text(value).lower()) or HEADER_ALIASES.get(_text(value))
        if key and key not in found:
            found[key] = index
    return found


def file_rows(path: Path, kind: str) -> Iterator[tuple[int, dict[str, Any]]]:
    """Rows of an uploaded file as dicts keyed like the ingest functions want; raises
    ``BatchError`` for a file that cannot be read or has no usable header."""
    wanted = ("store", "hour", "visitors") if kind == "traffic" else SALE_REQUIRED
    labels = TRAFFIC_COLUMNS if kind == "traffic" else SALE_COLUMNS
    try:
        rows = sheets.iter_rows(path)
        header: dict[str, int] | None = None
        for number, values in rows:
            if header is None:
                if all(_text(v) == "" for v in values):
                    continue
                header = _header(values)
                if kind == "sales" and "hour" in header and "at" not in header:
                    header["at"] = header.pop("hour")  # a sales file's 时间 is the sale time
                if not all(k in header for k in wanted):
                    raise BatchError(NO_HEADER.format(
                        columns="、".join(labels[k] for k in wanted)))
                continue
            if all(_text(v) == "" for v in values):
                continue
            yield number, {key: values[i] if i < len(values) else None
                           for key, i in header.items()}
        if header is None:
            raise BatchError(NO_ROWS)
    except sheets.SheetError as exc:
        raise BatchError(exc.message) from exc
    except (UnicodeDecodeError, ValueError, KeyError, OSError) as exc:
        if isinstance(exc, BatchError):
            raise
        raise BatchError(f"文件无法读取：{type(exc).__name__}") from exc
