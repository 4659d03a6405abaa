"""statistics rollup written with each answer

The rollup counted only days that had ended, extended when the statistics
page was viewed; it now counts every answer, written with the answer, and a
mark says only which day settings it was counted for. The old rows and
marks are dropped: the page counts the history until the rollup is rebuilt,
which ``wengu db upgrade`` does after migrating to head (or ``wengu stats
rebuild``).

Revision ID: 0005_stats
Revises: 0004_review
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import app.db

revision: str = '0005_stats'
down_revision: str | None = '0004_review'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute("DELETE FROM review_day_stats")
    op.execute("DELETE FROM review_stats_marks")
    with op.batch_alter_table('review_stats_marks', schema=None) as batch_op:
        batch_op.drop_column('sealed_until')
        batch_op.drop_column('last_review_id')


def downgrade() -> None:
    # The old rollup extends itself from an empty mark-less state on the next view.
    op.execute("DELETE FROM review_day_stats")
    op.execute("DELETE FROM review_stats_marks")
    with op.batch_alter_table('review_stats_marks', schema=None) as batch_op:
        batch_op.add_column(sa.Column('last_review_id', sa.Integer(), nullable=False))
        batch_op.add_column(sa.Column('sealed_until', app.db.UTCDateTime(timezone=True),
                                      nullable=False))
