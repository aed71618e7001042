"""Dashboard roll-ups (dash_week, dash_customer, dash_segment, dash_state) and an index on visit.at

Revision ID: 0012
Revises: 0010
Create Date: 2026-11-27 10:04:09.829716
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
import sqlmodel.sql.sqltypes
from alembic import op

revision = '0012'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('dash_customer',
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('owner', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    sa.Column('region', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True),
    sa.Column('grade', sqlmodel.sql.sqltypes.AutoString(length=1), nullable=True),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('order_count', sa.Integer(), nullable=False),
    sa.Column('order_amount', sa.Numeric(precision=16, scale=2), nullable=False),
    sa.Column('first_order_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('last_order_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.PrimaryKeyConstraint('customer_id')
    )
    with op.batch_alter_table('dash_customer', schema=None) as batch_op:
        batch_op.create_index('ix_dash_customer_first_order', ['first_order_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_dash_customer_owner'), ['owner'], unique=False)
        batch_op.create_index('ix_dash_customer_region_grade_orders', ['region', 'grade', 'order_count'], unique=False)

    op.create_table('dash_segment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('owner', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    sa.Column('region', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True),
    sa.Column('grade', sqlmodel.sql.sqltypes.AutoString(length=1), nullable=True),
    sa.Column('buying', sa.Integer(), nullable=False),
    sa.Column('repurchasing', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('dash_segment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_dash_segment_owner'), ['owner'], unique=False)
        batch_op.create_index('ix_dash_segment_region_grade', ['region', 'grade'], unique=False)

    op.create_table('dash_state',
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('refreshed_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('rows', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('name')
    )
    op.create_table('dash_week',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('week', sa.Date(), nullable=False),
    sa.Column('owner', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    sa.Column('region', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True),
    sa.Column('grade', sqlmodel.sql.sqltypes.AutoString(length=1), nullable=True),
    sa.Column('visits', sa.Integer(), nullable=False),
    sa.Column('complete_visits', sa.Integer(), nullable=False),
    sa.Column('evaluated_visits', sa.Integer(), nullable=False),
    sa.Column('flagged_visits', sa.Integer(), nullable=False),
    sa.Column('planned', sa.Integer(), nullable=False),
    sa.Column('covered', sa.Integer(), nullable=False),
    sa.Column('orders', sa.Integer(), nullable=False),
    sa.Column('order_amount', sa.Numeric(precision=16, scale=2), nullable=False),
    sa.Column('repeat_orders', sa.Integer(), nullable=False),
    sa.Column('repeat_amount', sa.Numeric(precision=16, scale=2), nullable=False),
    sa.Column('ordering_customers', sa.Integer(), nullable=False),
    sa.Column('repeat_customers', sa.Integer(), nullable=False),
    sa.Column('new_customers', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('dash_week', schema=None) as batch_op:
        batch_op.create_index('ix_dash_week_owner_week', ['owner', 'week'], unique=False)
        batch_op.create_index('ix_dash_week_week_region_grade', ['week', 'region', 'grade'], unique=False)

    with op.batch_alter_table('visit', schema=None) as batch_op:
        batch_op.create_index('ix_visit_at', ['at'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('visit', schema=None) as batch_op:
        batch_op.drop_index('ix_visit_at')

    with op.batch_alter_table('dash_week', schema=None) as batch_op:
        batch_op.drop_index('ix_dash_week_week_region_grade')
        batch_op.drop_index('ix_dash_week_owner_week')

    op.drop_table('dash_week')
    op.drop_table('dash_state')
    with op.batch_alter_table('dash_segment', schema=None) as batch_op:
        batch_op.drop_index('ix_dash_segment_region_grade')
        batch_op.drop_index(batch_op.f('ix_dash_segment_owner'))

    op.drop_table('dash_segment')
    with op.batch_alter_table('dash_customer', schema=None) as batch_op:
        batch_op.drop_index('ix_dash_customer_region_grade_orders')
        batch_op.drop_index(batch_op.f('ix_dash_customer_owner'))
        batch_op.drop_index('ix_dash_customer_first_order')

    op.drop_table('dash_customer')
