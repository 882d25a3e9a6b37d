"""Analyses carry the scorecard's verdict (clean / faulty / borderline / not_graded) for the inbox.

Rows saved before it are filled from their stored result: borderline did not exist then,
so a graded set is faulty when it failed a check or graded C or lower, else clean.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-06 10:40:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0003'
down_revision: str | None = '0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column('analyses', sa.Column('verdict', sa.String(length=16), server_default='not_graded',
                                        nullable=False))
    op.create_index('ix_analyses_verdict', 'analyses', ['verdict'])
    analyses = sa.table('analyses', sa.column('grade', sa.String), sa.column('main_fault', sa.String),
                        sa.column('verdict', sa.String))
    op.execute(analyses.update().where(analyses.c.grade.is_not(None)).values(verdict=sa.case(
        (sa.or_(analyses.c.main_fault.is_not(None), analyses.c.grade.in_(('C', 'D', 'F'))), 'faulty'),
        else_='clean')))


def downgrade() -> None:
    op.drop_index('ix_analyses_verdict', table_name='analyses')
    with op.batch_alter_table('analyses') as batch:
        batch.drop_column('verdict')
