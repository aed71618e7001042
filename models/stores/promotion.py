"""Promotion execution (C12): HQ publishes a promotion with a checklist; each due store's
manager checks in every item with a camera photo; HQ reads the execution rate.

Photos follow the visit check-in rules (``lib.photos``): the request stores the
original untouched, the job ``jobs.stores.process_promotion_photo``
(handlers/stores/promotions.py) validates it (JPEG/PNG, size, bombs, truncation),
requires camera EXIF (no screenshot, no album picture), refuses a photo already used for
another check-in, and burns the watermark. A refused photo leaves the item not done with
the reason, so the manager takes it again.

Execution rate = stores done / stores due, where a store is done when every item has
a photo that is accepted or still being checked."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, tzinfo
from pathlib import Path

from sqlmodel import Session, col, or_, select

from lib import photos
from models.base import utcnow
from models.org.user import User
from models.stores.metrics import checked_items
from models.stores.scope import get_store_for, is_hq, visible_stores
from models.stores.store import Promotion, PromotionCheckin, Store

MAX_ITEMS = 20
STATUS_PENDING, STATUS_OK, STATUS_BAD = "pending", "ok", "bad"

# -- what people read ------------------------------------------------------------------------
TITLE_MISSING = "请填写促销名称"
TITLE_TOO_LONG = "促销名称不能超过 100 字"
DATES_BAD = "请填写有效的开始和结束日期"
DATES_ORDER = "结束日期不能早于开始日期"
CHECKLIST_EMPTY = "请至少填写一项执行检查项（每行一项）"
CHECKLIST_TOO_MANY = "检查项最多 {n} 项"
NO_CAMERA = "照片没有相机拍摄信息（可能是截图或相册图片），请用手机相机现场拍摄"
PHOTO_REUSED = "这张照片已用于其他检查项，请现场重新拍摄"


class PromotionRejected(ValueError):
    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(errors.values()))
        self.errors = errors


def create(session: Session, *, user: User, title: str, starts_on: str, ends_on: str,
           checklist_text: str, region: str | None = None) -> Promotion:
    errors: dict[str, str] = {}
    title = title.strip()
    if not title:
        errors["title"] = TITLE_MISSING
    elif len(title) > 100:
        errors["title"] = TITLE_TOO_LONG
    start = end = None
    try:
        start, end = date.fromisoformat(starts_on), date.fromisoformat(ends_on)
    except ValueError:
        errors["dates"] = DATES_BAD
    if start and end and end < start:
        errors["dates"] = DATES_ORDER
    items = [line.strip()[:60] for line in checklist_text.splitlines() if line.strip()]
    if not items:
        errors["checklist"] = CHECKLIST_EMPTY
    elif len(items) > MAX_ITEMS:
        errors["checklist"] = CHECKLIST_TOO_MANY.format(n=MAX_ITEMS)
    if errors:
        raise PromotionRejected(errors)
    assert start is not None and end is not None
    promotion = Promotion(title=title, starts_on=start, ends_on=end, checklist=items,
                          region=region or None, created_by=user.wecom_userid)
    session.add(promotion)
    session.flush()
    return promotion


def due_stores(session: Session, promotion: Promotion) -> list[Store]:
    stmt = select(Store).where(col(Store.active).is_(True))
    if promotion.region:
        stmt = stmt.where(Store.region == promotion.region)
    return list(session.exec(stmt.order_by(col(Store.code))))


def visible_promotions(session: Session, user: User) -> list[Promotion]:
    """HQ: every promotion; a store manager: those their stores are due for."""
    stmt = select(Promotion).order_by(col(Promotion.starts_on).desc(), col(Promotion.id).desc())
    if is_hq(user):
        return list(session.exec(stmt))
    regions = {s.region for s in visible_stores(session, user)}
    if not regions:
        return []
    named = [r for r in regions if r]
    return list(session.exec(stmt.where(or_(col(Promotion.region).is_(None),
                                            col(Promotion.region).in_(named)))))


def get_promotion_for(session: Session, user: User, promotion_id: int) -> Promotion | None:
    return next((p for p in visible_promotions(session, user) if p.id == promotion_id), None)


@dataclass(frozen=True)
class StoreExecution:
    store_id: int
    code: str
    name: str
    done_items: int
    total_items: int

    @property
    def done(self) -> bool:
        return self.done_items >= self.total_items


@dataclass(frozen=True)
class Execution:
    promotion_id: int
    stores_due: int
    stores_done: int
    items_due: int
    items_done: int
    stores: tuple[StoreExecution, ...]

    @property
    def rate(self) -> float:
        return self.stores_done / self.stores_due if self.stores_due else 0.0


def execution(session: Session, promotion: Promotion,
              stores: list[Store] | None = None) -> Execution:
    """Execution over the due stores (or ``stores``: a manager's own)."""
    assert promotion.id is not None
    due = stores if stores is not None else due_stores(session, promotion)
    done = checked_items(session, promotion.id)
    n = len(promotion.checklist)
    rows = tuple(StoreExecution(s.id or 0, s.code, s.name, len(done.get(s.id or 0, ())), n)
                 for s in due)
    return Execution(promotion.id, len(rows), sum(r.done for r in rows), n * len(rows),
                     sum(r.done_items for r in rows), rows)


def pending_items(session: Session, store: Store, today: date) -> int:
    """Checklist items of running promotions this store still owes."""
    total = 0
    stmt = select(Promotion).where(Promotion.starts_on <= today, Promotion.ends_on >= today)
    for promotion in session.exec(stmt):
        if promotion.region and promotion.region != store.region:
            continue
        assert promotion.id is not None
        done = checked_items(session, promotion.id).get(store.id or 0, set())
        total += len(promotion.checklist) - len(done)
    return total


def store_checkins(session: Session, promotion_id: int, store_id: int
                   ) -> dict[int, PromotionCheckin]:
    rows = session.exec(select(PromotionCheckin).where(
        PromotionCheckin.promotion_id == promotion_id, PromotionCheckin.store_id == store_id))
    return {row.item: row for row in rows}


def record_checkin(session: Session, *, user: User, promotion: Promotion, store_id: int,
                   item: int, photo_path: Path) -> PromotionCheckin | None:
    """The manager's photo for one item (a re-take replaces the previous one). None when
    the store is not theirs, not due, or the item doesn't exist."""
    store = get_store_for(session, user, store_id)
    if (store is None or user.role != "store_manager" or not 0 <= item < len(promotion.checklist)
            or all(s.id != store_id for s in due_stores(session, promotion))):
        return None
    assert promotion.id is not None
    row = store_checkins(session, promotion.id, store_id).get(item)
    if row is None:
        row = PromotionCheckin(promotion_id=promotion.id, store_id=store_id, item=item,
                               by=user.wecom_userid, photo_path=str(photo_path))
    row.by, row.at, row.photo_path = user.wecom_userid, utcnow(), str(photo_path)
    row.photo_marked_path, row.sha256 = None, None
    row.status, row.reason = STATUS_PENDING, None
    session.add(row)
    session.flush()
    return row


def evaluate_checkin(session: Session, checkin_id: int, *, business_tz: tzinfo,
                     marked_dir: Path, font_path: str | None,
                     manager_name: str | None = None) -> PromotionCheckin | None:
    """Validate, hash and watermark one check-in photo (the job's work)."""
    row = session.get(PromotionCheckin, checkin_id)
    if row is None or row.status != STATUS_PENDING:
        return row
    store = session.get(Store, row.store_id)
    promotion = session.get(Promotion, row.promotion_id)
    try:
        data = Path(row.photo_path).read_bytes()
        info = photos.analyse(data)
    except photos.PhotoError as exc:
        row.status, row.reason = STATUS_BAD, exc.message[:200]
        return row
    except OSError:
        row.status, row.reason = STATUS_BAD, photos.PHOTO_UNREADABLE.format(
            name=Path(row.photo_path).name)
        return row
    row.sha256 = info.sha256
    reused = session.exec(select(PromotionCheckin.id).where(
        PromotionCheckin.sha256 == info.sha256, PromotionCheckin.id != checkin_id)).first()
    if not info.exif.has_camera:
        row.status, row.reason = STATUS_BAD, NO_CAMERA
    elif reused is not None:
        row.status, row.reason = STATUS_BAD, PHOTO_REUSED
    else:
        row.status = STATUS_OK
    item = promotion.checklist[row.item] if promotion else str(row.item)
    stamp = photos.Stamp(server_time=row.at if row.at.tzinfo else row.at.replace(
        tzinfo=business_tz), rep_id=row.by, customer_id=store.code if store else "?",
        short_hash=info.short_hash, rep_name=manager_name,
        customer_name=f"{store.name if store else ''} · {item}")
    marked = photos.watermark(data, stamp, business_tz=business_tz, font_path=font_path)
    target = marked_dir / info.sha256[:2] / f"{info.sha256}-{checkin_id}.jpg"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(marked)
    row.photo_marked_path = str(target)
    session.add(row)
    return row


def running(promotion: Promotion, today: date) -> bool:
    return promotion.starts_on <= today <= promotion.ends_on


def days_left(promotion: Promotion, today: date) -> int:
    return max(0, (promotion.ends_on - today).days)


def when(moment: datetime, tz: tzinfo) -> str:
    return moment.astimezone(tz).strftime("%Y-%m-%d %H:%M")

