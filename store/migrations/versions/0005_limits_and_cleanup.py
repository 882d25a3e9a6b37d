"""Per-account limits and clips deleted without orphans: the upload log, a failed upload's removed clip,
and the pending clip deletions.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-07 09:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0005'
down_revision: str | None = '0004'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('upload_log',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=False),
    sa.Column('size_bytes', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['owner_id'], ['users.id'], name=op.f('fk_upload_log_owner_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_upload_log'))
    )
    op.create_index('ix_upload_log_owner_id_created_at', 'upload_log', ['owner_id', 'created_at'], unique=False)
    op.create_table('blob_deletions',
    sa.Column('key', sa.String(length=200), nullable=False),
    sa.Column('requested_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_blob_deletions'))
    )
    op.add_column('uploads', sa.Column('clip_removed_at', sa.DateTime(timezone=True), nullable=True))
    # the clips kept now count towards today's uploads: an account over the limit waits a day at most
    uploads = sa.table('uploads', sa.column('owner_id', sa.Integer), sa.column('size_bytes', sa.Integer),
                       sa.column('created_at', sa.DateTime(timezone=True)))
    log = sa.table('upload_log', sa.column('owner_id', sa.Integer), sa.column('size_bytes', sa.Integer),
                   sa.column('created_at', sa.DateTime(timezone=True)))
    op.execute(log.insert().from_select(['owner_id', 'size_bytes', 'created_at'],
                                        sa.select(uploads.c.owner_id, uploads.c.size_bytes, uploads.c.created_at)))


def downgrade() -> None:
    with op.batch_alter_table('uploads') as batch:
        batch.drop_column('clip_removed_at')
    op.drop_table('blob_deletions')
    op.drop_index('ix_upload_log_owner_id_created_at', table_name='upload_log')
    op.drop_table('upload_log')
