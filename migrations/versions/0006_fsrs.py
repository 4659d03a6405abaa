"""FSRS: a deck's scheduler and desired retention, cards' FSRS state, the state
before each answer (for undo) and after, and users' fitted parameters.

Revision ID: 0006_fsrs
Revises: 0005_stats
Create Date: 2026-12-04 17:20:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import app.db


revision: str = '0006_fsrs'
down_revision: str | None = '0005_stats'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('fsrs_parameters',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('parameters', sa.JSON(), nullable=False),
    sa.Column('fitted', sa.Boolean(), nullable=False),
    sa.Column('reviews', sa.Integer(), nullable=False),
    sa.Column('fitted_at', app.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_fsrs_parameters_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', name=op.f('pk_fsrs_parameters'))
    )
    with op.batch_alter_table('decks', schema=None) as batch_op:
        batch_op.add_column(sa.Column('scheduler', sa.String(length=8), nullable=True))
        batch_op.add_column(sa.Column('desired_retention', sa.Float(), nullable=True))
        batch_op.create_check_constraint(
            'scheduler', "scheduler IS NULL OR scheduler IN ('sm2', 'fsrs')")
        batch_op.create_check_constraint(
            'desired_retention',
            'desired_retention IS NULL OR (desired_retention >= 0.7 AND desired_retention <= 0.99)')

    with op.batch_alter_table('cards', schema=None) as batch_op:
        batch_op.add_column(sa.Column('fsrs_phase', sa.Integer(), server_default=sa.text('0'), nullable=False))
        batch_op.add_column(sa.Column('fsrs_step', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('stability', sa.Float(), nullable=True))
        batch_op.add_column(sa.Column('difficulty', sa.Float(), nullable=True))

    with op.batch_alter_table('reviews', schema=None) as batch_op:
        batch_op.add_column(sa.Column('fsrs_phase_before', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('fsrs_step_before', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('stability_before', sa.Float(), nullable=True))
        batch_op.add_column(sa.Column('difficulty_before', sa.Float(), nullable=True))
        batch_op.add_column(sa.Column('stability_after', sa.Float(), nullable=True))
        batch_op.add_column(sa.Column('difficulty_after', sa.Float(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('reviews', schema=None) as batch_op:
        for name in ('difficulty_after', 'stability_after', 'difficulty_before',
                     'stability_before', 'fsrs_step_before', 'fsrs_phase_before'):
            batch_op.drop_column(name)

    with op.batch_alter_table('cards', schema=None) as batch_op:
        for name in ('difficulty', 'stability', 'fsrs_step', 'fsrs_phase'):
            batch_op.drop_column(name)

    with op.batch_alter_table('decks', schema=None) as batch_op:
        batch_op.drop_constraint('desired_retention', type_='check')
        batch_op.drop_constraint('scheduler', type_='check')
        batch_op.drop_column('desired_retention')
        batch_op.drop_column('scheduler')

    op.drop_table('fsrs_parameters')
