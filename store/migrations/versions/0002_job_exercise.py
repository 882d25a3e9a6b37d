"""Jobs carry the lift to grade the clip as (``exercise``: a catalogue id, or "auto").

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-02 00:55:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0002'
down_revision: str | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column('jobs', sa.Column('exercise', sa.String(length=64), server_default='auto', nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('jobs') as batch:
        batch.drop_column('exercise')
