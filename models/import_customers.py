"""Customer rows: headers, cleaning, and the batch upsert by phone (see models.importing)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import case, func, literal_column, select
from sqlmodel import Session

from models import custom_fields as cf
from models import customer_fields as fields
from models import import_core as core
from models import messages as M
from models.base import utcnow
from models.customer import Customer, name_key
from models.regions import region_of

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
# Updated only when the new row has a value: an empty cell never blanks a stored field.
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
    """Customers, upserted by normalised phone; duplicate phones within a file refused."""

    kind = "customers"
    columns = CUSTOMER_COLUMNS
    required = ("name", "phone")

    def __init__(self, session: Session) -> None:
        self.session = session
        self.owners = core.Owners(session)
        self.seen_phones: dict[str, int] = {}
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
        if self.session.get_bind().dialect.name == "postgresql":
            merged = func.coalesce(table.c.extra, literal_column("'{}'::jsonb")).op("||")(
                new.extra)
        else:
            merged = func.json_patch(func.coalesce(table.c.extra, literal_column("'{}'")),
                                     new.extra)
        values: dict[str, Any] = {f: func.coalesce(new[f], table.c[f]) for f in _FILL_FIELDS}
        values.update(name=new.name, name_key=new.name_key, updated_at=new.updated_at,
                      extra=case((new.extra.is_(None), table.c.extra), else_=merged))
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
        if out["region"] is None:
            out["region"] = region_of(out["province"])
        now = utcnow()
        out.update(name_key=name_key(out["name"]), extra=extra or None, source="import",
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
        records = [record for _, record in batch]
        custom = {r["phone"]: r.pop(_CUSTOM) for r in records if _CUSTOM in r}
        existing: set[str] = set()
        for chunk in core.chunks([r["phone"] for r in records]):
            existing.update(self.session.execute(
                select(self.table.c.phone).where(self.table.c.phone.in_(chunk))).scalars())
        self.session.execute(self.statement, records)
        if custom:
            ids: dict[str, int] = {}
            for chunk in core.chunks(list(custom)):
                ids.update((phone, id_) for phone, id_ in self.session.execute(
                    select(self.table.c.phone, self.table.c.id)
                    .where(self.table.c.phone.in_(chunk))))
            cf.save_many(self.session, cf.CUSTOMER,
                         {ids[phone]: values for phone, values in custom.items()})
        result.updated += len(existing)
        result.inserted += len(records) - len(existing)
        return []
