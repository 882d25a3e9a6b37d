"""Thumbnails: a small annotated JPEG per analysis (the bottom of its worst rep) for the inbox.

Rows saved before it have none; the inbox makes theirs on first view.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-08 09:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0004'
down_revision: str | None = '0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'thumbnails',
        sa.Column('analysis_id', sa.Integer(), nullable=False),
        sa.Column('lift_id', sa.String(length=64), nullable=False),
        sa.Column('jpeg', sa.LargeBinary(), nullable=False),
        sa.Column('made_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['analysis_id'], ['analyses.id'], name=op.f('fk_thumbnails_analysis_id_analyses'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('analysis_id', name=op.f('pk_thumbnails')),
    )


def downgrade() -> None:
    op.drop_table('thumbnails')
