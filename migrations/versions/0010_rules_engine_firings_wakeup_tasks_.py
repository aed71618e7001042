"""Message center (C7): rule_firing ledger, rule_sweep marks, wake-up tasks, finance lead, sweep indexes,
interaction back-fill and the default rule rows.

Revision ID: 0010
Revises: 0011
Create Date: 2026-11-27 10:03:55.679466
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
import sqlmodel
import sqlmodel.sql.sqltypes
from alembic import op

revision = '0010'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('rule_firing',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('rule_code', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('subject_id', sa.Integer(), nullable=False),
    sa.Column('subject_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('occurrence', sa.Date(), nullable=False),
    sa.Column('fired_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('rule_code', 'subject_id', 'subject_at', 'occurrence', name='uq_rule_firing_occurrence')
    )
    with op.batch_alter_table('rule_firing', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_rule_firing_fired_at'), ['fired_at'], unique=False)

    op.create_table('rule_sweep',
    sa.Column('code', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('swept_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('full_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.PrimaryKeyConstraint('code')
    )

    with op.batch_alter_table('app_user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('finance_lead', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))

    with op.batch_alter_table('followup_task', schema=None) as batch_op:
        batch_op.add_column(sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=16),
                                      nullable=False, server_default='followup'))
        batch_op.alter_column('visit_id',
               existing_type=sa.INTEGER(),
               nullable=True)
        batch_op.create_index('uq_followup_task_open_wakeup', ['customer_id'], unique=True, sqlite_where=sa.text("kind = 'wakeup' AND status = 'open'"), postgresql_where=sa.text("kind = 'wakeup' AND status = 'open'"))

    # What the sweeps read: unstamped signed contracts by signing time (the 24 h rule), and
    # customers by grade and last interaction (the wake-up rule's per-grade thresholds).
    with op.batch_alter_table('contract', schema=None) as batch_op:
        batch_op.create_index('ix_contract_unstamped_signed', ['signed_at'], unique=False,
                              sqlite_where=sa.text('stamped_at IS NULL'),
                              postgresql_where=sa.text('stamped_at IS NULL'))
    with op.batch_alter_table('customer', schema=None) as batch_op:
        batch_op.create_index('ix_customer_grade_interaction', ['grade', 'last_interaction_at'],
                              unique=False)

    _backfill_interactions()
    _seed_rules()
    # ### end Alembic commands ###


def _backfill_interactions() -> None:
    """last_interaction_at = the latest visit, communication record or order; a customer
    never interacted with counts from its creation (forward-only, like the live writes)."""
    for table, column in (("visit", "at"), ("communication", "at"),
                          ("sales_order", "ordered_at")):
        op.execute(sa.text(
            f"UPDATE customer SET last_interaction_at = (SELECT max(x.{column}) FROM {table} x "
            f"WHERE x.customer_id = customer.id) "
            f"WHERE EXISTS (SELECT 1 FROM {table} x WHERE x.customer_id = customer.id AND "
            f"(customer.last_interaction_at IS NULL OR x.{column} > customer.last_interaction_at))"))
    op.execute(sa.text(
        "UPDATE customer SET last_interaction_at = created_at WHERE last_interaction_at IS NULL"))


# The shipped rules as data (models.rules.rule.DEFAULTS at the time of this migration; copied,
# because a migration must not change when the code does).
RULES = [
    ("contract_review_72h", "合同签约72小时未审核提醒", {"hours": 72}, {"time": "09:00"},
     ["finance_lead"], "dingtalk"),
    ("contract_stamp_24h", "签约24小时未上传盖章页（风险单）", {"hours": 24},
     {"time": "09:00"}, ["rep", "supervisor"], "wecom"),
    ("plan_deadline", "周五17:00拜访计划截止通知", {}, {"time": "08:30"}, ["supervisor"],
     "wecom"),
    ("customer_inactive", "客户长期未互动唤醒任务", {"A": 15, "B": 30, "C": 60, "other": 30},
     {"time": "09:00"}, ["rep", "supervisor"], "wecom"),
    ("customer_zombie", "90天未成交僵尸客户", {"days": 90}, {"time": "09:00"},
     ["rep", "supervisor"], "wecom"),
    ("supervisor_digest", "主管周一团队周报", {}, {"weekday": 0, "time": "09:00"},
     ["supervisor"], "wecom"),
]


def _seed_rules() -> None:
    rule = sa.table('rule', sa.column('code', sa.String), sa.column('name', sa.String),
                    sa.column('enabled', sa.Boolean), sa.column('threshold', sa.JSON),
                    sa.column('schedule', sa.JSON), sa.column('recipients', sa.JSON),
                    sa.column('channel', sa.String),
                    sa.column('updated_at', sqlmodel.sql.sqltypes.UTCDateTime()),
                    sa.column('updated_by', sa.String))
    existing = {row[0] for row in op.get_bind().execute(sa.text("SELECT code FROM rule"))}
    now = datetime.now(UTC)
    op.bulk_insert(rule, [
        {"code": code, "name": name, "enabled": True, "threshold": threshold,
         "schedule": schedule, "recipients": recipients, "channel": channel,
         "updated_at": now, "updated_by": "migration 0010"}
        for code, name, threshold, schedule, recipients, channel in RULES
        if code not in existing])


def downgrade() -> None:
    op.execute(sa.text("DELETE FROM rule WHERE code IN ('contract_review_72h', "
                       "'contract_stamp_24h', 'plan_deadline', 'customer_inactive', "
                       "'customer_zombie', 'supervisor_digest')"))
    with op.batch_alter_table('customer', schema=None) as batch_op:
        batch_op.drop_index('ix_customer_grade_interaction')
    with op.batch_alter_table('contract', schema=None) as batch_op:
        batch_op.drop_index('ix_contract_unstamped_signed', sqlite_where=sa.text('stamped_at IS NULL'),
                            postgresql_where=sa.text('stamped_at IS NULL'))
    with op.batch_alter_table('followup_task', schema=None) as batch_op:
        batch_op.drop_index('uq_followup_task_open_wakeup', sqlite_where=sa.text("kind = 'wakeup' AND status = 'open'"), postgresql_where=sa.text("kind = 'wakeup' AND status = 'open'"))
        # Wake-up tasks have no visit; they go with the downgrade.
        op.execute(sa.text("DELETE FROM followup_task WHERE visit_id IS NULL"))
        batch_op.alter_column('visit_id',
               existing_type=sa.INTEGER(),
               nullable=False)
        batch_op.drop_column('kind')

    with op.batch_alter_table('app_user', schema=None) as batch_op:
        batch_op.drop_column('finance_lead')

    with op.batch_alter_table('rule_firing', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_rule_firing_fired_at'))

    op.drop_table('rule_sweep')
    op.drop_table('rule_firing')
