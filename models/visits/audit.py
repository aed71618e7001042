"""The audit of historical or imported visits (``zhongshu visits audit``): reads a JSONL
file of visits, checks each against the ones before it in time order with the same
evidence checks as live check-ins, and writes one result line per visit plus a summary.
Reads and reports only (no database). The click wiring lives in ``zhongshu/cli.py``;
``bench/evidence_accuracy.py`` runs it too."""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import datetime, tzinfo
from functools import partial
from pathlib import Path
from typing import IO, Any

from lib import photos
from lib.geo import GeoPoint
from models.visits import evidence as ev

AUDIT_BAD_JSON = "第 {line} 行：不是有效的 JSON（{error}）"
AUDIT_NOT_OBJECT = "第 {line} 行：应为一个 JSON 对象"
AUDIT_BAD_FIELD = "第 {line} 行：{error}"
AUDIT_DUPLICATE_ID = "第 {line} 行：id “{id}” 与第 {first} 行重复"
AUDIT_UNCHECKED = "第 {line} 行：拜访 {id} 无法检查（{error}）"
AUDIT_PROGRESS = "已检查 {done}/{total} 条拜访"
AUDIT_SUMMARY = ("拜访审计：共 {total} 条，合规 {compliant} 条（{compliant_pct}），"
                 "疑似虚假拜访 {fake} 条（虚假拜访率 {fake_pct}）")
AUDIT_FLAG_LINE = "  {code}（{label}）：{count} 条"
AUDIT_ERRORS = "格式错误 {count} 行，未检查（见上）"
AUDIT_DEFAULT_RULES = "未能从数据库读取阈值（数据库不可用或未迁移），使用默认阈值"


class AuditLineError(ValueError):
    pass


@dataclass(frozen=True)
class AuditRecord:
    """One input line, parsed: the visit as the checks see it, before its photo is read."""

    raw_id: Any  # echoed back as given (string or number)
    facts: ev.VisitFacts
    photo: Path | None


@dataclass
class AuditSummary:
    total: int = 0
    compliant: int = 0
    fake: int = 0  # visits with at least one of evidence.FRAUD_CODES
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(ev.FLAG_CODES, 0))
    errors: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        def pct(n: int) -> str:
            return f"{n / self.total:.1%}" if self.total else "0.0%"

        out = [AUDIT_SUMMARY.format(total=self.total, compliant=self.compliant,
                                    compliant_pct=pct(self.compliant), fake=self.fake,
                                    fake_pct=pct(self.fake))]
        for code in ev.FLAG_CODES:
            out.append(AUDIT_FLAG_LINE.format(code=code, label=ev.FLAG_LABELS[code],
                                              count=self.counts.get(code, 0)))
        if self.errors:
            out.append(AUDIT_ERRORS.format(count=len(self.errors)))
        return out


def _point(value: Any, what: str) -> GeoPoint | None:
    if value is None:
        return None
    if not isinstance(value, dict):
        raise AuditLineError(f"{what} 应为对象或 null")
    lat, lng = value.get("lat"), value.get("lng")
    if lat is None and lng is None:
        return None
    if not (isinstance(lat, (int, float)) and isinstance(lng, (int, float))) \
            or isinstance(lat, bool) or isinstance(lng, bool):
        raise AuditLineError(f"{what}.lat/lng 应为数字")
    coord = value.get("coord")
    if coord not in ("wgs84", "gcj02"):
        raise AuditLineError(f"{what}.coord 应为 wgs84 或 gcj02，而不是 {coord!r}")
    try:
        return GeoPoint(float(lat), float(lng), coord)
    except ValueError as exc:
        raise AuditLineError(f"{what} 坐标超出范围（{lat}, {lng}）") from exc


def _opt_text(value: Any, what: str) -> str | None:
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)  # a question typed as "1" in a spreadsheet arrives as 1
    raise AuditLineError(f"{what} 应为文本")


def parse_audit_line(obj: Any, *, base: Path) -> AuditRecord:
    """One object of the audit format (CONTRACT.md); raises AuditLineError. Photo paths
    are relative to ``base`` (the input file's folder) unless absolute."""
    if not isinstance(obj, dict):
        raise AuditLineError("应为一个 JSON 对象")
    raw_id = obj.get("id")
    if raw_id is None or isinstance(raw_id, (bool, dict, list)) or str(raw_id).strip() == "":
        raise AuditLineError("缺少 id")
    rep = obj.get("rep")
    if not isinstance(rep, str) or not rep.strip():
        raise AuditLineError("缺少 rep")
    at_text = obj.get("at")
    if not isinstance(at_text, str):
        raise AuditLineError("缺少 at（ISO 8601 时间，带时区）")
    try:
        at = datetime.fromisoformat(at_text.strip())
    except ValueError as exc:
        raise AuditLineError(f"at “{at_text}” 不是 ISO 8601 时间") from exc
    if at.tzinfo is None or at.utcoffset() is None:
        raise AuditLineError(f"at “{at_text}” 缺少时区（例如 +08:00）")
    customer = obj.get("customer")
    if not isinstance(customer, dict) or customer.get("id") in (None, ""):
        raise AuditLineError("缺少 customer.id")
    pain_points = obj.get("pain_points")
    if pain_points is None:
        pain_points = []
    if not isinstance(pain_points, list):
        raise AuditLineError("pain_points 应为列表")
    photo = obj.get("photo")
    if photo is not None and (not isinstance(photo, str) or not photo.strip()):
        raise AuditLineError("photo 应为文件路径或 null")
    facts = ev.VisitFacts(
        id=str(raw_id), rep=rep.strip(), at=at, customer_id=str(customer["id"]),
        customer_location=_point(customer, "customer"), device=_point(obj.get("device"),
                                                                       "device"),
        grade=_opt_text(obj.get("grade"), "grade"),
        pain_points=tuple(str(p) for p in pain_points if p is not None),
        question=_opt_text(obj.get("question"), "question"),
        next_action=_opt_text(obj.get("next_action"), "next_action"))
    path = (base / photo) if photo is not None else None
    return AuditRecord(raw_id=raw_id, facts=facts, photo=path)


# Photos are read, hashed and thumbnailed in worker processes (they do not depend on each
# other); the checks run in time order in this one. Small audits stay in one process.
AUDIT_POOL_FROM = 200


def _analyse_one(path: str, limits: photos.PhotoLimits) -> tuple[photos.PhotoInfo | None,
                                                                  str | None]:
    if not path:
        return None, None
    try:
        return photos.analyse_file(Path(path), limits=limits), None
    except photos.PhotoError as exc:
        return None, exc.message
    except Exception:  # noqa: BLE001 - a decoder's surprise is this photo's problem
        return None, photos.PHOTO_DAMAGED


def _analysed(paths: Sequence[str], limits: photos.PhotoLimits, *,
              workers: int | None) -> Iterator[tuple[photos.PhotoInfo | None, str | None]]:
    """``_analyse_one`` of each path, in order, over a process pool when it pays."""
    count = workers if workers is not None else min(4, os.cpu_count() or 1)
    with_photo = sum(1 for p in paths if p)
    if count <= 1 or with_photo < AUDIT_POOL_FROM:
        yield from (_analyse_one(p, limits) for p in paths)
        return
    with ProcessPoolExecutor(max_workers=count) as pool:
        yield from pool.map(partial(_analyse_one, limits=limits), paths, chunksize=256)


def audit(source: Path, out: IO[str], *, rules: ev.EvidenceRules, business_tz: tzinfo,
          report_error: Callable[[str], None] | None = None,
          progress: Callable[[int, int], None] | None = None,
          workers: int | None = None) -> AuditSummary:
    """Check every visit in the JSONL file ``source`` against the ones before it, in time
    order (``at``, then line order), and write one result line per visit to ``out`` in
    that order. Malformed lines are reported through ``report_error(message)`` and left
    out. Memory stays small: a first pass keeps only (time, line, offset, photo path) per
    visit, the second re-reads each line where it is; photos are analysed ahead of it by
    ``workers`` processes (default: the CPUs, at most 4; 1 = in this process)."""
    summary = AuditSummary()
    base = source.parent

    def fail(message: str) -> None:
        summary.errors.append(message)
        if report_error is not None:
            report_error(message)

    def load(raw: bytes, line: int) -> AuditRecord | None:
        try:
            obj = json.loads(raw.decode("utf-8-sig"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            fail(AUDIT_BAD_JSON.format(line=line, error=exc))
            return None
        try:
            return parse_audit_line(obj, base=base)
        except AuditLineError as exc:
            fail(AUDIT_BAD_FIELD.format(line=line, error=exc))
            return None

    order: list[tuple[float, int, int, str]] = []
    first_line: dict[str, int] = {}
    with source.open("rb") as handle:
        offset = 0
        for line, raw in enumerate(handle, start=1):
            start, offset = offset, offset + len(raw)
            if not raw.strip():
                continue
            record = load(raw, line)
            if record is None:
                continue
            if record.facts.id in first_line:
                fail(AUDIT_DUPLICATE_ID.format(line=line, id=record.facts.id,
                                               first=first_line[record.facts.id]))
                continue
            first_line[record.facts.id] = line
            order.append((record.facts.at.timestamp(), line, start,
                          str(record.photo) if record.photo is not None else ""))
        order.sort()
        first_line.clear()

        history = ev.History(rules)
        analysed = _analysed([photo for *_rest, photo in order], rules.photo_limits,
                             workers=workers)
        for done, ((_at, line, start, _photo), (info, error)) in enumerate(
                zip(order, analysed, strict=True), start=1):
            handle.seek(start)
            record = load(handle.readline(), line)
            assert record is not None
            facts = record.facts
            if record.photo is not None:
                facts = _with_photo(facts, info, error)
            try:
                flags = history.check(facts, business_tz=business_tz)
            except Exception as exc:  # noqa: BLE001 - one visit, never the whole audit
                fail(AUDIT_UNCHECKED.format(line=line, id=record.raw_id, error=exc))
                continue
            summary.total += 1
            summary.compliant += not flags
            summary.fake += any(flag.code in ev.FRAUD_CODES for flag in flags)
            for code in {flag.code for flag in flags}:
                summary.counts[code] += 1
            out.write(json.dumps({"id": record.raw_id, "flags": [f.as_dict() for f in flags],
                                  "compliant": not flags}, ensure_ascii=False) + "\n")
            if progress is not None:
                progress(done, len(order))
    return summary


def _with_photo(facts: ev.VisitFacts, photo: photos.PhotoInfo | None,
                error: str | None) -> ev.VisitFacts:
    return replace(facts, photo=photo, photo_error=error)
