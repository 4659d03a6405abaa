"""import jobs: owner, heartbeat, one unfinished import per user

Revision ID: 0002_import_jobs
Revises: 0001
Create Date: 2026-12-04 17:30:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import app.db


revision: str = '0002_import_jobs'
down_revision: str | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('import_jobs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('owner', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('heartbeat_at', app.db.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('active_user_id', sa.Integer(), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_import_jobs_active_user_id'), ['active_user_id'])
    # Jobs left unfinished by the old code have no heartbeat: they are over.
    op.execute(
        "UPDATE import_jobs SET status = 'failed', "
        "error = 'the server stopped during the import; import again to complete it' "
        "WHERE status IN ('queued', 'running')"
    )


def downgrade() -> None:
    with op.batch_alter_table('import_jobs', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_import_jobs_active_user_id'), type_='unique')
        batch_op.drop_column('active_user_id')
        batch_op.drop_column('heartbeat_at')
        batch_op.drop_column('owner')
