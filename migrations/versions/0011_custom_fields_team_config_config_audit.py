"""Custom fields (field_def + typed field_value), team config and the config change log (C8).

Revision ID: 0011
Revises: 0013
Create Date: 2026-11-27 10:03:03.475265
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
import sqlmodel.sql.sqltypes
from alembic import op

revision = '0011'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('config_change',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('actor', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('area', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('key', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('before', sa.JSON(), nullable=True),
    sa.Column('after', sa.JSON(), nullable=True),
    sa.Column('batch', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=True),
    sa.Column('undo_of', sa.Integer(), nullable=True),
    sa.Column('undone_by', sa.Integer(), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('config_change', schema=None) as batch_op:
        batch_op.create_index('ix_config_change_area_key', ['area', 'key'], unique=False)
        batch_op.create_index(batch_op.f('ix_config_change_at'), ['at'], unique=False)
        batch_op.create_index('ix_config_change_batch', ['batch'], unique=False)

    op.create_table('field_def',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('entity', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('options', sa.JSON(), nullable=False),
    sa.Column('required', sa.Boolean(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('preset', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('created_by', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    sa.Column('updated_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('entity', 'name', name='uq_field_def_entity_name')
    )
    with op.batch_alter_table('field_def', schema=None) as batch_op:
        batch_op.create_index('ix_field_def_entity_active', ['entity', 'active', 'position'], unique=False)

    op.create_table('team_config',
    sa.Column('key', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('value', sa.JSON(), nullable=True),
    sa.Column('updated_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('updated_by', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    sa.PrimaryKeyConstraint('key')
    )
    op.create_table('field_value',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('entity', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('entity_id', sa.Integer(), nullable=False),
    sa.Column('field_id', sa.Integer(), nullable=False),
    sa.Column('value_text', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
    sa.Column('value_num', sa.Float(), nullable=True),
    sa.Column('value_date', sa.Date(), nullable=True),
    sa.Column('updated_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['field_id'], ['field_def.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('field_value', schema=None) as batch_op:
        batch_op.create_index('ix_field_value_date', ['field_id', 'value_date', 'entity_id'], unique=False)
        batch_op.create_index('ix_field_value_entity', ['entity', 'entity_id'], unique=False)
        batch_op.create_index('ix_field_value_num', ['field_id', 'value_num', 'entity_id'], unique=False)
        batch_op.create_index('ix_field_value_text', ['field_id', 'value_text', 'entity_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('field_value', schema=None) as batch_op:
        batch_op.drop_index('ix_field_value_text')
        batch_op.drop_index('ix_field_value_num')
        batch_op.drop_index('ix_field_value_entity')
        batch_op.drop_index('ix_field_value_date')

    op.drop_table('field_value')
    op.drop_table('team_config')
    with op.batch_alter_table('field_def', schema=None) as batch_op:
        batch_op.drop_index('ix_field_def_entity_active')

    op.drop_table('field_def')
    with op.batch_alter_table('config_change', schema=None) as batch_op:
        batch_op.drop_index('ix_config_change_batch')
        batch_op.drop_index(batch_op.f('ix_config_change_at'))
        batch_op.drop_index('ix_config_change_area_key')

    op.drop_table('config_change')
