"""daily rollups for statistics, and the indexes their refresh reads

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-22

Desk redemptions now record when the gift was handed over (fulfilled_at), as pickups did:
existing ones were handed over when they were made.

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('stats_daily_checkins',
    sa.Column('scope', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('checkins', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('scope', 'day', 'kind', name=op.f('pk_stats_daily_checkins'))
    )
    with op.batch_alter_table('stats_daily_checkins', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_stats_daily_checkins_day'), ['day'], unique=False)

    op.create_table('stats_daily_gifts',
    sa.Column('scope', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('quantity', sa.Integer(), nullable=False),
    sa.Column('points', sa.Integer(), nullable=False),
    sa.Column('redemptions', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('scope', 'day', 'item_id', name=op.f('pk_stats_daily_gifts'))
    )
    with op.batch_alter_table('stats_daily_gifts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_stats_daily_gifts_day'), ['day'], unique=False)

    op.create_table('stats_daily_participants',
    sa.Column('scope', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('residents', sa.LargeBinary(), nullable=False),
    sa.Column('repeaters', sa.LargeBinary(), nullable=False),
    sa.PrimaryKeyConstraint('scope', 'day', name=op.f('pk_stats_daily_participants'))
    )
    with op.batch_alter_table('stats_daily_participants', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_stats_daily_participants_day'), ['day'], unique=False)

    op.create_table('stats_daily_points',
    sa.Column('scope', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('amount', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('scope', 'day', 'kind', name=op.f('pk_stats_daily_points'))
    )
    with op.batch_alter_table('stats_daily_points', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_stats_daily_points_day'), ['day'], unique=False)

    op.create_table('stats_event_checkins',
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('checkins', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('event_id', 'day', name=op.f('pk_stats_event_checkins'))
    )
    with op.batch_alter_table('stats_event_checkins', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_stats_event_checkins_day'), ['day'], unique=False)

    op.create_table('stats_monthly_participants',
    sa.Column('scope', sa.Integer(), nullable=False),
    sa.Column('month', sa.Date(), nullable=False),
    sa.Column('residents', sa.LargeBinary(), nullable=False),
    sa.Column('repeaters', sa.LargeBinary(), nullable=False),
    sa.PrimaryKeyConstraint('scope', 'month', name=op.f('pk_stats_monthly_participants'))
    )
    op.create_table('stats_first_checkins',
    sa.Column('scope', sa.Integer(), nullable=False),
    sa.Column('resident_id', sa.Integer(), nullable=False),
    sa.Column('first_day', sa.Date(), nullable=False),
    sa.PrimaryKeyConstraint('scope', 'resident_id', name=op.f('pk_stats_first_checkins'))
    )
    with op.batch_alter_table('stats_first_checkins', schema=None) as batch_op:
        batch_op.create_index('ix_stats_first_checkins_scope_day', ['scope', 'first_day'], unique=False)

    op.create_table('stats_rollup_state',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('covered_through', sa.Date(), nullable=False),
    sa.Column('refreshed_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_stats_rollup_state'))
    )
    with op.batch_alter_table('checkins', schema=None) as batch_op:
        batch_op.create_index('ix_checkins_annulled_at', ['annulled_at'], unique=False, postgresql_where=sa.text('annulled_at IS NOT NULL'), sqlite_where=sa.text('annulled_at IS NOT NULL'))

    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.create_index('ix_events_starts_at', ['starts_at'], unique=False)

    with op.batch_alter_table('redemptions', schema=None) as batch_op:
        batch_op.create_index('ix_redemptions_cancelled_at', ['cancelled_at'], unique=False, postgresql_where=sa.text('cancelled_at IS NOT NULL'), sqlite_where=sa.text('cancelled_at IS NOT NULL'))
        batch_op.create_index('ix_redemptions_fulfilled_at', ['fulfilled_at'], unique=False, postgresql_where=sa.text("status = 'fulfilled'"), sqlite_where=sa.text("status = 'fulfilled'"))
    op.execute(
        "UPDATE redemptions SET fulfilled_at = created_at "
        "WHERE fulfilled_at IS NULL AND pickup_code_hash IS NULL"
    )


def downgrade():
    with op.batch_alter_table('redemptions', schema=None) as batch_op:
        batch_op.drop_index('ix_redemptions_fulfilled_at', postgresql_where=sa.text("status = 'fulfilled'"), sqlite_where=sa.text("status = 'fulfilled'"))
        batch_op.drop_index('ix_redemptions_cancelled_at', postgresql_where=sa.text('cancelled_at IS NOT NULL'), sqlite_where=sa.text('cancelled_at IS NOT NULL'))

    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.drop_index('ix_events_starts_at')

    with op.batch_alter_table('checkins', schema=None) as batch_op:
        batch_op.drop_index('ix_checkins_annulled_at', postgresql_where=sa.text('annulled_at IS NOT NULL'), sqlite_where=sa.text('annulled_at IS NOT NULL'))

    op.drop_table('stats_rollup_state')
    with op.batch_alter_table('stats_first_checkins', schema=None) as batch_op:
        batch_op.drop_index('ix_stats_first_checkins_scope_day')

    op.drop_table('stats_first_checkins')
    op.drop_table('stats_monthly_participants')
    with op.batch_alter_table('stats_event_checkins', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_stats_event_checkins_day'))
    op.drop_table('stats_event_checkins')
    with op.batch_alter_table('stats_daily_points', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_stats_daily_points_day'))

    op.drop_table('stats_daily_points')
    with op.batch_alter_table('stats_daily_participants', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_stats_daily_participants_day'))

    op.drop_table('stats_daily_participants')
    with op.batch_alter_table('stats_daily_gifts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_stats_daily_gifts_day'))

    op.drop_table('stats_daily_gifts')
    with op.batch_alter_table('stats_daily_checkins', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_stats_daily_checkins_day'))

    op.drop_table('stats_daily_checkins')
