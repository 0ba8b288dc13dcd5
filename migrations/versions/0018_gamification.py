"""gamification: badges and their awards, challenges, their progress and completions, the
leaderboard's choices, how far the worker has read the history

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-03

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('badges',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('name', sa.String(length=60), nullable=False),
    sa.Column('rule', sa.String(length=20), nullable=False),
    sa.Column('activity', sa.String(length=16), nullable=True),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=True),
    sa.Column('ends_on', sa.Date(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("rule IN ('activities', 'followups_on_time', 'streak', 'all_screenings', 'first_gift')", name=op.f('ck_badges_rule')),
    sa.CheckConstraint('count > 0', name=op.f('ck_badges_count_positive')),
    sa.ForeignKeyConstraint(['created_by_id'], ['staff.id'], name=op.f('fk_badges_created_by_id_staff')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_badges')),
    sa.UniqueConstraint('code', name=op.f('uq_badges_code'))
    )
    op.create_table('challenges',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=100), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('ends_on', sa.Date(), nullable=False),
    sa.Column('center_id', sa.Integer(), nullable=True),
    sa.Column('goal_kind', sa.String(length=16), nullable=False),
    sa.Column('goal_count', sa.Integer(), nullable=False),
    sa.Column('bonus_points', sa.Integer(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("goal_kind IN ('lecture', 'consultation', 'followup', 'revisit', 'screening', 'any')", name=op.f('ck_challenges_goal_kind')),
    sa.CheckConstraint('bonus_points > 0', name=op.f('ck_challenges_bonus_points_positive')),
    sa.CheckConstraint('ends_on >= starts_on', name=op.f('ck_challenges_period_order')),
    sa.CheckConstraint('goal_count > 0', name=op.f('ck_challenges_goal_count_positive')),
    sa.ForeignKeyConstraint(['center_id'], ['centers.id'], name=op.f('fk_challenges_center_id_centers')),
    sa.ForeignKeyConstraint(['created_by_id'], ['staff.id'], name=op.f('fk_challenges_created_by_id_staff')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_challenges'))
    )
    with op.batch_alter_table('challenges', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_challenges_center_id'), ['center_id'], unique=False)

    op.create_table('leaderboard_closed_centers',
    sa.Column('center_id', sa.Integer(), nullable=False),
    sa.Column('closed_by_id', sa.Integer(), nullable=False),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['center_id'], ['centers.id'], name=op.f('fk_leaderboard_closed_centers_center_id_centers')),
    sa.ForeignKeyConstraint(['closed_by_id'], ['staff.id'], name=op.f('fk_leaderboard_closed_centers_closed_by_id_staff')),
    sa.PrimaryKeyConstraint('center_id', name=op.f('pk_leaderboard_closed_centers'))
    )
    op.create_table('challenge_progress',
    sa.Column('challenge_id', sa.Integer(), nullable=False),
    sa.Column('resident_id', sa.Integer(), nullable=False),
    sa.Column('progress', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['challenge_id'], ['challenges.id'], name=op.f('fk_challenge_progress_challenge_id_challenges')),
    sa.ForeignKeyConstraint(['resident_id'], ['residents.id'], name=op.f('fk_challenge_progress_resident_id_residents')),
    sa.PrimaryKeyConstraint('challenge_id', 'resident_id', name=op.f('pk_challenge_progress'))
    )
    op.create_table('gamification_cursor',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('scanned_until', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_gamification_cursor'))
    )
    op.create_table('leaderboard_players',
    sa.Column('resident_id', sa.Integer(), nullable=False),
    sa.Column('opted_in_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['resident_id'], ['residents.id'], name=op.f('fk_leaderboard_players_resident_id_residents')),
    sa.PrimaryKeyConstraint('resident_id', name=op.f('pk_leaderboard_players'))
    )
    op.create_table('badge_awards',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('resident_id', sa.Integer(), nullable=False),
    sa.Column('badge_code', sa.String(length=40), nullable=False),
    sa.Column('earned_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('checkin_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['checkin_id'], ['checkins.id'], name=op.f('fk_badge_awards_checkin_id_checkins')),
    sa.ForeignKeyConstraint(['resident_id'], ['residents.id'], name=op.f('fk_badge_awards_resident_id_residents')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_badge_awards')),
    sa.UniqueConstraint('resident_id', 'badge_code', name=op.f('uq_badge_awards_resident_id_badge_code'))
    )
    op.create_table('challenge_completions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('challenge_id', sa.Integer(), nullable=False),
    sa.Column('resident_id', sa.Integer(), nullable=False),
    sa.Column('checkin_id', sa.Integer(), nullable=False),
    sa.Column('completed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['challenge_id'], ['challenges.id'], name=op.f('fk_challenge_completions_challenge_id_challenges')),
    sa.ForeignKeyConstraint(['checkin_id'], ['checkins.id'], name=op.f('fk_challenge_completions_checkin_id_checkins')),
    sa.ForeignKeyConstraint(['resident_id'], ['residents.id'], name=op.f('fk_challenge_completions_resident_id_residents')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_challenge_completions'))
    )
    with op.batch_alter_table('challenge_completions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_challenge_completions_resident_id'), ['resident_id'], unique=False)
        batch_op.create_index('uq_challenge_completions_live', ['challenge_id', 'resident_id'], unique=True, postgresql_where=sa.text('revoked_at IS NULL'))



def downgrade():
    with op.batch_alter_table('challenge_completions', schema=None) as batch_op:
        batch_op.drop_index('uq_challenge_completions_live', postgresql_where=sa.text('revoked_at IS NULL'))
        batch_op.drop_index(batch_op.f('ix_challenge_completions_resident_id'))

    op.drop_table('challenge_completions')
    op.drop_table('badge_awards')
    op.drop_table('leaderboard_players')
    op.drop_table('gamification_cursor')
    op.drop_table('challenge_progress')
    op.drop_table('leaderboard_closed_centers')
    with op.batch_alter_table('challenges', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_challenges_center_id'))

    op.drop_table('challenges')
    op.drop_table('badges')
