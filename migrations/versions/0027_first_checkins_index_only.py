"""stats: the index of residents' first days carries the resident, so counting a period's new
participants (less those whose history changed since the rollup) reads the index alone

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-04

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0027'
down_revision = '0026'
branch_labels = None
depends_on = None


def upgrade():
    op.drop_index('ix_stats_first_checkins_scope_day', table_name='stats_first_checkins')
    op.create_index(
        'ix_stats_first_checkins_scope_day',
        'stats_first_checkins',
        ['scope', 'first_day'],
        unique=False,
        postgresql_include=['resident_id'],
    )


def downgrade():
    op.drop_index('ix_stats_first_checkins_scope_day', table_name='stats_first_checkins')
    op.create_index(
        'ix_stats_first_checkins_scope_day', 'stats_first_checkins', ['scope', 'first_day'],
        unique=False,
    )
