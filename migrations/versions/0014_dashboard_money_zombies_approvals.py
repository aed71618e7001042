"""Dashboard money month roll-up, approvals per week, zombies per segment

The new counts start at zero; the scheduler's next refresh fills them (and the daily
full refresh, or ``zhongshu dashboard refresh --all``, every past month).

Revision ID: 0014
Revises: 0012
Create Date: 2026-11-27 12:44:18.941017
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
import sqlmodel.sql.sqltypes
from alembic import op

revision = '0014'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('dash_month',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('month', sa.Date(), nullable=False),
    sa.Column('owner', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    sa.Column('region', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True),
    sa.Column('grade', sqlmodel.sql.sqltypes.AutoString(length=1), nullable=True),
    sa.Column('receivable', sa.Numeric(precision=16, scale=2), nullable=False),
    sa.Column('collected', sa.Numeric(precision=16, scale=2), nullable=False),
    sa.Column('forecast', sa.Numeric(precision=16, scale=2), nullable=False),
    sa.Column('forecast_actual', sa.Numeric(precision=16, scale=2), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('dash_month', schema=None) as batch_op:
        batch_op.create_index('ix_dash_month_month_region', ['month', 'region'], unique=False)
        batch_op.create_index('ix_dash_month_owner_month', ['owner', 'month'], unique=False)

    with op.batch_alter_table('dash_customer', schema=None) as batch_op:
        batch_op.drop_index('ix_dash_customer_region_grade_orders')
        batch_op.create_index('ix_dash_customer_region_grade_amount', ['region', 'grade', 'order_amount', 'customer_id'], unique=False)
        batch_op.drop_index('ix_dash_customer_first_order')
        batch_op.create_index('ix_dash_customer_first_order_cover', ['first_order_at', 'created_at', 'owner', 'region'], unique=False)

    with op.batch_alter_table('sales_order', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sales_order_updated_at'), ['updated_at'], unique=False)

    with op.batch_alter_table('dash_segment', schema=None) as batch_op:
        batch_op.add_column(sa.Column('customers', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('aged', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('zombies', sa.Integer(), nullable=False, server_default='0'))

    with op.batch_alter_table('dash_week', schema=None) as batch_op:
        batch_op.add_column(sa.Column('approvals', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('approval_days', sa.Float(), nullable=False, server_default='0'))


def downgrade() -> None:
    with op.batch_alter_table('sales_order', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sales_order_updated_at'))

    with op.batch_alter_table('dash_week', schema=None) as batch_op:
        batch_op.drop_column('approval_days')
        batch_op.drop_column('approvals')

    with op.batch_alter_table('dash_segment', schema=None) as batch_op:
        batch_op.drop_column('zombies')
        batch_op.drop_column('aged')
        batch_op.drop_column('customers')

    with op.batch_alter_table('dash_customer', schema=None) as batch_op:
        batch_op.drop_index('ix_dash_customer_region_grade_amount')
        batch_op.create_index('ix_dash_customer_region_grade_orders', ['region', 'grade', 'order_count'], unique=False)
        batch_op.drop_index('ix_dash_customer_first_order_cover')
        batch_op.create_index('ix_dash_customer_first_order', ['first_order_at'], unique=False)

    with op.batch_alter_table('dash_month', schema=None) as batch_op:
        batch_op.drop_index('ix_dash_month_owner_month')
        batch_op.drop_index('ix_dash_month_month_region')

    op.drop_table('dash_month')
