"""settings: the longest interval, folded decks

Revision ID: 0003_settings
Revises: 0002_import_jobs
Create Date: 2026-12-04 17:30:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0003_settings'
down_revision: str | None = '0002_import_jobs'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column(
            'max_interval_days', sa.Integer(), server_default=sa.text('36500'), nullable=False))
    with op.batch_alter_table('decks', schema=None) as batch_op:
        batch_op.add_column(sa.Column(
            'collapsed', sa.Boolean(), server_default=sa.false(), nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('decks', schema=None) as batch_op:
        batch_op.drop_column('collapsed')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('max_interval_days')
