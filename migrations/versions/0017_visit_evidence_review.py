"""Visit evidence: photo signatures, flag evidence, recorded decisions

``visit.photo_signature`` keeps each photo's 64×64 grey thumbnail, so a perceptual-hash
match is confirmed as a copy (not a new photo of the same storefront) by an aligned
comparison; ``photo_window_hashes`` holds the hashes of its centre 90 % and 80 %, so a
crop of it is still a candidate. Visits stored before them are compared by their hash
alone. ``visit_flag.evidence`` holds what a flag rests on (the earlier visit, the points,
the times) for the review page. ``visit.decided_by`` / ``decided_at`` record who
confirmed (dismissing the flags) or rejected a visit, and when. New thresholds in
``visit_rules`` (NULL: the defaults in code): ``photo_match_score`` for the comparison,
``photo_crop_bits`` for a crop candidate, ``rail_min_km`` / ``rail_speed_kmh`` for a leg
between cities at high-speed-rail pace.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-04 02:20:00
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
import sqlmodel.sql.sqltypes
from alembic import op

revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('visit', schema=None) as batch_op:
        batch_op.add_column(sa.Column('photo_signature', sa.LargeBinary(), nullable=True))
        batch_op.add_column(sa.Column('photo_window_hashes', sa.String(length=40),
                                      nullable=True))
        batch_op.add_column(sa.Column('decided_by', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('decided_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
    with op.batch_alter_table('visit_flag', schema=None) as batch_op:
        batch_op.add_column(sa.Column('evidence', sa.JSON(), nullable=True))
    with op.batch_alter_table('visit_rules', schema=None) as batch_op:
        batch_op.add_column(sa.Column('photo_match_score', sa.Float(), nullable=True))
        batch_op.add_column(sa.Column('photo_crop_bits', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('rail_min_km', sa.Float(), nullable=True))
        batch_op.add_column(sa.Column('rail_speed_kmh', sa.Float(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('visit_rules', schema=None) as batch_op:
        batch_op.drop_column('rail_speed_kmh')
        batch_op.drop_column('rail_min_km')
        batch_op.drop_column('photo_crop_bits')
        batch_op.drop_column('photo_match_score')
    with op.batch_alter_table('visit_flag', schema=None) as batch_op:
        batch_op.drop_column('evidence')
    with op.batch_alter_table('visit', schema=None) as batch_op:
        batch_op.drop_column('decided_at')
        batch_op.drop_column('decided_by')
        batch_op.drop_column('photo_window_hashes')
        batch_op.drop_column('photo_signature')
