"""The company-name key: one key for the spellings of one company, another for another."""

from __future__ import annotations

import pytest

from lib.company_names import company_key

SAME = [
    ("恒达精密机械（苏州）有限公司", "苏州恒达精密机械有限公司"),
    ("江苏省苏州市恒达精密机械股份有限公司", "苏州恒达精密机械有限责任公司"),
    ("恒达精密机械(苏州)股份", "苏州 恒达精密机械 有限公司"),
    ("ＡＢＣ精工（集团）有限公司", "abc精工集团"),
    ("浙江绍兴华滤环保股份有限公司", "绍兴华滤环保有限公司"),
    ("广西壮族自治区南宁市绿城环保有限公司", "绿城环保（南宁）有限公司"),
    ("上海市浦江制药有限公司", "上海浦江制药"),
    ("伊利实业（内蒙古）有限公司", "内蒙古伊利实业集团股份有限公司"),
    ("昆山恒达电子有限公司", "恒达电子（昆山市）有限公司"),
]
DIFFERENT = [
    ("苏州恒达精密机械有限公司", "杭州恒达精密机械有限公司"),
    ("北京大学", "南京大学"),
    ("恒达精密机械（苏州）有限公司", "恒达精密机械（无锡）有限公司"),
]


@pytest.mark.parametrize(("a", "b"), SAME)
def test_spellings_of_one_company_share_a_key(a, b):
    assert company_key(a) == company_key(b)


@pytest.mark.parametrize(("a", "b"), DIFFERENT)
def test_other_companies_keep_their_own_key(a, b):
    assert company_key(a) != company_key(b)


def test_the_key_reads_as_the_company_and_never_empties():
    assert company_key("恒达精密机械（苏州）有限公司") == "苏州恒达精密机械"
    assert company_key("公司") == "公司"
    assert company_key("苏州") == "苏州"


def test_the_migration_recomputes_stored_keys(tmp_path):
    import importlib

    import sqlalchemy as sa
    from alembic.migration import MigrationContext
    from alembic.operations import Operations

    from models.customers.customer import Customer

    engine = sa.create_engine(f"sqlite:///{tmp_path / 'old.sqlite'}")
    Customer.__table__.create(engine)  # type: ignore[attr-defined]
    with engine.begin() as db:  # a customer stored with the key the old rule gave
        db.execute(sa.text(
            "INSERT INTO customer (name, name_key, source, stage, created_at, updated_at) "
            "VALUES ('恒达精密机械（苏州）有限公司', '恒达精密机械苏州', 'manual', 'lead', "
            "'2026-01-01', '2026-01-01')"))
    migration = importlib.import_module("migrations.versions.0016_customer_company_key")
    with engine.begin() as db, Operations.context(MigrationContext.configure(db)):
        migration.upgrade()
    with engine.begin() as db:
        assert db.execute(sa.text("SELECT name_key FROM customer")).scalar_one() == \
            "苏州恒达精密机械"
    engine.dispose()
