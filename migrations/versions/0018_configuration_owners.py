"""Configuration owners: a team on every field, team setting and configuration change

``field_def.team`` and ``config_change.team`` are "" (the whole company) for every existing
row, so what exists stays company-wide; a supervisor's new fields and settings belong to
their team. Field names are unique per entity and team. ``team_setting`` holds a team's own
value of a setting, overriding ``team_config`` (the company's) for that team.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-04 02:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
import sqlmodel.sql.sqltypes
from alembic import op

revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('field_def', schema=None) as batch_op:
        batch_op.add_column(sa.Column('team', sqlmodel.sql.sqltypes.AutoString(length=64),
                                      nullable=False, server_default=''))
        batch_op.drop_constraint('uq_field_def_entity_name', type_='unique')
        batch_op.create_unique_constraint('uq_field_def_team_name', ['entity', 'team', 'name'])
    with op.batch_alter_table('config_change', schema=None) as batch_op:
        batch_op.add_column(sa.Column('team', sqlmodel.sql.sqltypes.AutoString(length=64),
                                      nullable=False, server_default=''))
    op.create_table(
        'team_setting',
        sa.Column('team', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column('key', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column('value', sa.JSON(), nullable=True),
        sa.Column('updated_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column('updated_by', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.PrimaryKeyConstraint('team', 'key'),
    )


def downgrade() -> None:
    op.drop_table('team_setting')
    with op.batch_alter_table('config_change', schema=None) as batch_op:
        batch_op.drop_column('team')
    with op.batch_alter_table('field_def', schema=None) as batch_op:
        batch_op.drop_constraint('uq_field_def_team_name', type_='unique')
        batch_op.create_unique_constraint('uq_field_def_entity_name', ['entity', 'name'])
        batch_op.drop_column('team')
