"""Dashboard: suspect visits per week (the fake-visit rate without incomplete records)

``dash_week.suspect_visits`` counts evaluated visits with an evidence flag other than an
incomplete record. Existing rows start with ``flagged_visits`` (the old numerator), so the
figures do not drop to zero before the scheduler's next refresh recounts them (recent weeks
within minutes, every week at the daily full refresh or ``zhongshu dashboard refresh
--all``).

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-27 16:20:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('dash_week', schema=None) as batch_op:
        batch_op.add_column(sa.Column('suspect_visits', sa.Integer(), nullable=False,
                                      server_default='0'))
    op.execute("UPDATE dash_week SET suspect_visits = flagged_visits")


def downgrade() -> None:
    with op.batch_alter_table('dash_week', schema=None) as batch_op:
        batch_op.drop_column('suspect_visits')
