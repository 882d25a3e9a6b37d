"""Reviews are addressed by a random token, and no id is given again after its row is deleted.

Every analysis gets a token (22 url-safe characters from ``secrets``); links carry it
instead of the id. On SQLite the uploads, analyses, jobs and comments tables are rebuilt
with AUTOINCREMENT, so a deleted row's id is never reused (PostgreSQL's sequences never
reuse one). ``store.db.upgrade`` turns SQLite's foreign keys off while tables are rebuilt.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-07 11:00:00
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0006'
down_revision: str | None = '0005'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

REBUILT = ('uploads', 'jobs', 'comments')


def upgrade() -> None:
    op.add_column('analyses', sa.Column('token', sa.String(length=32), nullable=True))
    analyses = sa.table('analyses', sa.column('id', sa.Integer), sa.column('token', sa.String))
    bind = op.get_bind()
    for (analysis_id,) in bind.execute(sa.select(analyses.c.id)).all():
        bind.execute(analyses.update().where(analyses.c.id == analysis_id).values(token=secrets.token_urlsafe(16)))
    sqlite = bind.dialect.name == 'sqlite'
    with op.batch_alter_table('analyses', recreate='always' if sqlite else 'auto',
                              table_kwargs={'sqlite_autoincrement': True}) as batch:
        batch.alter_column('token', existing_type=sa.String(length=32), nullable=False)
        batch.create_unique_constraint(batch.f('uq_analyses_token'), ['token'])
    if sqlite:
        for table in REBUILT:
            with op.batch_alter_table(table, recreate='always', table_kwargs={'sqlite_autoincrement': True}):
                pass


def downgrade() -> None:
    with op.batch_alter_table('analyses') as batch:
        batch.drop_constraint('uq_analyses_token', type_='unique')
        batch.drop_column('token')
