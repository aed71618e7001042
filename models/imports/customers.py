"""Customer rows: headers, cleaning, and the batch upsert by phone (see models.imports.importer)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import case, func, literal_column, select
from sqlmodel import Session, col

from lib.regions import region_of
from models import messages as M
from models.base import utcnow
from models.config import custom_fields as cf
from models.customers import cleaning as fields
from models.customers.customer import Customer, name_key
from models.customers.registration import Duplicate
from models.imports import core
from models.org.user import User

# Field → accepted headers. The first name is the one in CONTRACT.md.
CUSTOMER_COLUMNS: dict[str, tuple[str, ...]] = {
    "name": ("客户名称", "客户", "客户名", "客户全称", "公司名称", "公司", "公司全称",
             "企业名称", "单位名称"),
    "contact": ("联系人", "联系人姓名", "客户联系人", "对接人"),
    "phone": ("电话", "手机", "手机号", "手机号码", "联系电话", "电话号码", "联系方式",
              "移动电话", "座机", "固话", "固定电话", "办公电话"),
    "industry": ("行业", "所属行业", "行业类别"),
    "intent": ("初步意向", "意向", "客户意向", "意向产品", "需求"),
    "grade": ("等级", "客户等级", "级别", "客户级别", "客户分级", "分级"),
    "region": ("区域", "大区", "销售区域", "所属区域", "所属大区"),
    "province": ("省份", "省", "所在省份", "省份/直辖市"),
    "city": ("城市", "市", "所在城市", "地市"),
    "address": ("地址", "详细地址", "客户地址", "公司地址", "单位地址"),
    "latitude": ("纬度", "lat", "latitude"),
    "longitude": ("经度", "lng", "lon", "longitude"),
    "coord": ("坐标系", "坐标类型", "坐标系统"),
    "owner": ("负责人", "销售", "业务员", "销售负责人", "归属销售", "所属销售", "客户经理",
              "负责人账号"),
}
# The fields a row can bring to a stored customer. By default only the empty ones are
# filled in; with ``overwrite`` the row's values replace stored ones. Either way an empty
# cell never blanks a stored field.
_FILL_FIELDS = ("contact", "industry", "intent", "grade", "region", "province", "city",
                "address", "latitude", "longitude", "coord", "owner")


_CUSTOM = "_custom_fields"  # a cleaned row's custom field values, written after the upsert


def _unused(_value: Any) -> Any:
    raise AssertionError("handled in CustomerImport.clean")


# In the order their problems are reported; the special ones are handled in clean().
_CUSTOMER_CLEANERS: tuple[tuple[str, Callable[[Any], Any]], ...] = (
    ("name", fields.name), ("phone", _unused), ("contact", fields.contact),
    ("industry", fields.industry), ("intent", fields.intent), ("grade", fields.grade),
    ("region", fields.region), ("province", fields.province), ("city", fields.city),
    ("address", fields.address), ("coordinates", _unused), ("owner", _unused),
)


class CustomerImport(core.Importer):
    """Customers, keyed by normalised phone: new phones are added; a stored customer gets
    only its empty fields filled in (the differing values the row had are noted in the
    report), or — with ``overwrite`` — the row's values. Refused: a phone twice in the
    file, and a new phone whose company name is (nearly) a stored customer's or an
    earlier row's (lib.company_names)."""

    kind = "customers"
    columns = CUSTOMER_COLUMNS
    required = ("name", "phone")

    def __init__(self, session: Session, *, overwrite: bool = False) -> None:
        self.session = session
        self.overwrite = overwrite
        self.owners = core.Owners(session)
        self.seen_phones: dict[str, int] = {}
        self.seen_keys: dict[str, int] = {}
        self.table = Customer.__table__  # type: ignore[attr-defined]
        self.statement = self._statement()
        # A column whose header is a custom field's name fills that field (C8); photos
        # can't come from a spreadsheet cell, so photo fields stay unmapped.
        self.custom = {f.name: f for f in cf.fields_of(session, cf.CUSTOMER)
                       if f.kind != cf.PHOTO}

    def _statement(self) -> Any:
        table = self.table
        ins = core.upsert_insert(self.session, table)
        new = ins.excluded
        # Merge, don't replace, the unmapped columns of an earlier import.
        merged: Any
        kept: Any
        if self.session.get_bind().dialect.name == "postgresql":
            merged = func.coalesce(table.c.extra, literal_column("'{}'::jsonb")).op("||")(
                new.extra)
            kept = func.coalesce(new.extra, literal_column("'{}'::jsonb")).op("||")(
                func.coalesce(table.c.extra, literal_column("'{}'::jsonb")))
        else:
            merged = func.json_patch(func.coalesce(table.c.extra, literal_column("'{}'")),
                                     new.extra)
            kept = func.json_patch(new.extra, func.coalesce(table.c.extra, literal_column("'{}'")))
        values: dict[str, Any]
        if self.overwrite:
            values = {f: func.coalesce(new[f], table.c[f]) for f in _FILL_FIELDS}
            values.update(name=new.name, name_key=new.name_key,
                          extra=case((new.extra.is_(None), table.c.extra), else_=merged))
        else:  # fill in what is empty; a stored value wins, also in ``extra``
            values = {f: func.coalesce(table.c[f], new[f]) for f in _FILL_FIELDS}
            values.update(extra=case((new.extra.is_(None), table.c.extra), else_=kept))
        values.update(updated_at=new.updated_at)
        # Executed with a list of rows: executemany (sqlite3), pipelined by psycopg 3 —
        # measured faster on both than RETURNING-batched or multi-row VALUES statements.
        return ins.on_conflict_do_update(index_elements=[table.c.phone], set_=values)

    def clean(self, row: int, values: list[Any], cols: core.Columns) -> dict[str, Any]:
        errors: list[str] = []
        out: dict[str, Any] = {}
        extra = core.extra_values(values, cols) if cols.extra else {}
        for key, cleaner in _CUSTOMER_CLEANERS:
            try:
                if key == "phone":
                    out[key] = self._phone(values, cols, extra)
                elif key == "coordinates":
                    out["latitude"], out["longitude"], out["coord"] = fields.coordinates(
                        core.first(values, cols, "latitude"),
                        core.first(values, cols, "longitude"),
                        core.first(values, cols, "coord"))
                elif key == "owner":
                    out[key] = self.owners.resolve(core.first(values, cols, "owner"))
                else:
                    out[key] = cleaner(core.first(values, cols, key))
            except fields.FieldError as error:
                errors.append(error.message)
        custom: dict[int, cf.Cleaned] = {}
        for _, header in cols.extra:
            field = self.custom.get(header)
            if field is None or field.id is None:
                continue
            try:
                custom[field.id] = cf.clean_value(field, extra.pop(header, None))
            except ValueError as error:
                errors.append(str(error))
        if errors:
            raise core.RowError(errors)

        first_row = self.seen_phones.setdefault(out["phone"], row)
        if first_row != row:
            raise core.RowError([M.IMPORT_DUPLICATE_PHONE_ROW.format(row=first_row)])
        key = name_key(out["name"])
        first_row = self.seen_keys.setdefault(key, row)
        if first_row != row:
            raise core.RowError([M.IMPORT_SIMILAR_NAME_ROW.format(row=first_row)])
        if out["region"] is None:
            out["region"] = region_of(out["province"])
        now = utcnow()
        out.update(name_key=key, extra=extra or None, source="import",
                   stage="lead", created_at=now, updated_at=now)
        if custom:
            out[_CUSTOM] = custom
        return out

    def _phone(self, values: list[Any], cols: core.Columns, extra: dict[str, Any]) -> str:
        """The first valid number among the phone columns (a cell may hold several,
        "138…/0571-…"); the other valid ones are kept under 其他电话."""
        candidates = [part for _, value in core.cells(values, cols, "phone")
                      for part in core.PHONE_SPLIT.split(core.phone_text(value)) if part.strip()]
        if not candidates:
            return fields.phone(None)
        found: list[str] = []
        first_error: fields.FieldError | None = None
        for candidate in candidates:
            try:
                number = fields.phone(candidate)
            except fields.FieldError as error:
                first_error = first_error or error
                continue
            if number not in found:
                found.append(number)
        if not found:
            assert first_error is not None
            raise first_error
        if len(found) > 1:
            extra[M.IMPORT_OTHER_PHONES] = M.LIST_SEP.join(found[1:])
        return found[0]

    def write(self, batch: list[tuple[int, Any]], result: core.ImportResult) -> list[core.Refusal]:
        table = self.table
        phones = [record["phone"] for _, record in batch]
        stored: dict[str, dict[str, Any]] = {}
        wanted = [table.c.id, table.c.name, table.c.extra, *(table.c[f] for f in _FILL_FIELDS)]
        for chunk in core.chunks(phones):
            for row in self.session.execute(select(table.c.phone, *wanted)
                                            .where(table.c.phone.in_(chunk))).mappings():
                stored[row["phone"]] = dict(row)
        refused = self._similar_names([(n, r) for n, r in batch if r["phone"] not in stored])
        refused_rows = {r.row for r in refused}
        batch = [(n, r) for n, r in batch if n not in refused_rows]
        if not batch:
            return refused
        records = [record for _, record in batch]
        custom = {r["phone"]: r.pop(_CUSTOM) for r in records if _CUSTOM in r}
        stored_custom = self._stored_custom([stored[p]["id"] for p in custom if p in stored])
        for number, record in batch:
            before = stored.get(record["phone"])
            if before is None:
                continue
            differing = self._differences(before, record,
                                          stored_custom.get(before["id"], {}),
                                          custom.get(record["phone"], {}))
            if self.overwrite:
                result.overwritten += 1
            else:
                result.existing += 1
                if differing:
                    result.notes.append(core.Refusal(number, M.IMPORT_KEPT.format(
                        name=before["name"], fields=M.IMPORT_REASON_SEP.join(differing))))
                # Only the custom fields the customer has no value for yet.
                values = custom.get(record["phone"])
                if values:
                    have = stored_custom.get(before["id"], {})
                    custom[record["phone"]] = {fid: v for fid, v in values.items()
                                               if fid not in have}
        self.session.execute(self.statement, records)
        if custom:
            ids: dict[str, int] = {}
            for chunk in core.chunks(list(custom)):
                ids.update((phone, id_) for phone, id_ in self.session.execute(
                    select(table.c.phone, table.c.id).where(table.c.phone.in_(chunk))))
            cf.save_many(self.session, cf.CUSTOMER,
                         {ids[phone]: values for phone, values in custom.items()})
        matched = sum(1 for r in records if r["phone"] in stored)
        result.updated += matched
        result.inserted += len(records) - matched
        return refused

    def _similar_names(self, batch: list[tuple[int, Any]]) -> list[core.Refusal]:
        """Rows for new phones whose company is already a customer under this or a close
        spelling: refused, naming the customer and its owner as registration does."""
        by_key: dict[str, list[int]] = {}
        for number, record in batch:
            by_key.setdefault(record["name_key"], []).append(number)
        if not by_key:
            return []
        found: dict[str, Any] = {}
        table = self.table
        for chunk in core.chunks(list(by_key)):
            for row in self.session.execute(
                    select(table.c.id, table.c.name, table.c.name_key, table.c.phone,
                           table.c.owner, col(User.name).label("owner_name"))
                    .join(User, col(User.wecom_userid) == table.c.owner, isouter=True)
                    .where(table.c.name_key.in_(chunk)).order_by(table.c.id)).mappings():
                found.setdefault(row["name_key"], row)
        names = {number: record["name"] for number, record in batch}
        refused = []
        for key, numbers in by_key.items():
            held = found.get(key)
            if held is None:
                continue
            for number in numbers:
                duplicate = Duplicate(customer_id=held["id"], name=held["name"],
                                      phone=held["phone"], owner=held["owner"],
                                      owner_name=held["owner_name"],
                                      match="name" if held["name"] == names[number]
                                      else "similar_name")
                refused.append(core.Refusal(number, duplicate.message))
        return refused

    def _stored_custom(self, ids: list[int]) -> dict[int, dict[int, str]]:
        if not ids or not self.custom:
            return {}
        return cf.values_for(self.session, cf.CUSTOMER, ids)

    def _differences(self, before: dict[str, Any], record: dict[str, Any],
                     before_custom: dict[int, str], new_custom: dict[int, cf.Cleaned]
                     ) -> list[str]:
        """"label（系统：old，表格：new）" for each field both have, with different values."""
        out = []
        label = {f: names[0] for f, names in CUSTOMER_COLUMNS.items()}
        for key in ("name", *_FILL_FIELDS):
            old, new = before.get(key), record.get(key)
            if old is None or new is None or old == new or key == "name_key":
                continue
            if isinstance(old, float) and isinstance(new, float) and abs(old - new) < 1e-9:
                continue
            out.append(M.IMPORT_KEPT_FIELD.format(label=label[key], old=old, new=new))
        old_extra, new_extra = before.get("extra") or {}, record.get("extra") or {}
        for header, new in new_extra.items():
            old = old_extra.get(header)
            if old is not None and old != new:
                out.append(M.IMPORT_KEPT_FIELD.format(label=header, old=old, new=new))
        names = {f.id: f.name for f in self.custom.values()}
        for fid, value in new_custom.items():
            old = before_custom.get(fid)
            text = cf.value_text(value)
            if not old or value.empty or old == text:
                continue
            out.append(M.IMPORT_KEPT_FIELD.format(label=names.get(fid, fid), old=old,
                                                  new=text))
        return out
