"""Customers: recompute ``name_key`` with the company-name key

``name_key`` now also folds the place a name is written with (``恒达精密机械（苏州）有限公司``
and ``苏州恒达精密机械有限公司`` give one key, lib.company_names). Stored keys are
recomputed so the duplicate checks see existing customers the same way. Downgrade keeps
the new keys (the old ones were a coarser form of the same idea).

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-04 02:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None

BATCH = 1000


def upgrade() -> None:
    from lib.company_names import KEY_MAX, company_key

    bind = op.get_bind()
    customer = sa.table("customer", sa.column("id", sa.Integer), sa.column("name", sa.String),
                        sa.column("name_key", sa.String))
    last = 0
    while True:
        rows = bind.execute(sa.select(customer.c.id, customer.c.name, customer.c.name_key)
                            .where(customer.c.id > last).order_by(customer.c.id)
                            .limit(BATCH)).all()
        if not rows:
            break
        changed = [{"row_id": id_, "key": company_key(name)[:KEY_MAX]}
                   for id_, name, key in rows if company_key(name)[:KEY_MAX] != key]
        if changed:
            bind.execute(customer.update().where(customer.c.id == sa.bindparam("row_id"))
                         .values(name_key=sa.bindparam("key")), changed)
        last = rows[-1][0]


def downgrade() -> None:
    pass
