"""events, check-ins, scan log, follow-ups, member codes

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('center_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=100), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('location', sa.String(length=100), nullable=True),
    sa.Column('starts_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ends_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('checkin_opens_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('checkin_closes_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('points', sa.Integer(), nullable=True),
    sa.Column('capacity', sa.Integer(), nullable=True),
    sa.Column('seats_taken', sa.Integer(), server_default=sa.text('0'), nullable=False),
    sa.Column('cancelled_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("kind IN ('lecture', 'consultation', 'followup', 'revisit', 'screening')", name=op.f('ck_events_kind')),
    sa.CheckConstraint('capacity IS NULL OR capacity > 0', name=op.f('ck_events_capacity_positive')),
    sa.CheckConstraint('checkin_closes_at > checkin_opens_at', name=op.f('ck_events_window_order')),
    sa.CheckConstraint('ends_at > starts_at', name=op.f('ck_events_ends_after_start')),
    sa.CheckConstraint('points IS NULL OR points >= 0', name=op.f('ck_events_points_not_negative')),
    sa.CheckConstraint('seats_taken <= COALESCE(capacity, seats_taken)', name=op.f('ck_events_within_capacity')),
    sa.ForeignKeyConstraint(['center_id'], ['centers.id'], name=op.f('fk_events_center_id_centers')),
    sa.ForeignKeyConstraint(['created_by_id'], ['staff.id'], name=op.f('fk_events_created_by_id_staff')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_events'))
    )
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.create_index('ix_events_center_starts_at', ['center_id', 'starts_at'], unique=False)

    op.create_table('checkins',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('resident_id', sa.Integer(), nullable=False),
    sa.Column('method', sa.String(length=8), nullable=False),
    sa.Column('staff_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('annulled_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('annulled_by_id', sa.Integer(), nullable=True),
    sa.Column('annul_reason', sa.String(length=200), nullable=True),
    sa.CheckConstraint("method IN ('self', 'staff')", name=op.f('ck_checkins_method')),
    sa.ForeignKeyConstraint(['annulled_by_id'], ['staff.id'], name=op.f('fk_checkins_annulled_by_id_staff')),
    sa.ForeignKeyConstraint(['event_id'], ['events.id'], name=op.f('fk_checkins_event_id_events')),
    sa.ForeignKeyConstraint(['resident_id'], ['residents.id'], name=op.f('fk_checkins_resident_id_residents')),
    sa.ForeignKeyConstraint(['staff_id'], ['staff.id'], name=op.f('fk_checkins_staff_id_staff')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_checkins')),
    sa.UniqueConstraint('event_id', 'resident_id', name='uq_checkins_event_resident')
    )
    with op.batch_alter_table('checkins', schema=None) as batch_op:
        batch_op.create_index('ix_checkins_created_at', ['created_at'], unique=False)
        batch_op.create_index('ix_checkins_resident_id', ['resident_id'], unique=False)

    op.create_table('scan_attempts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=True),
    sa.Column('resident_id', sa.Integer(), nullable=True),
    sa.Column('outcome', sa.String(length=32), nullable=False),
    sa.Column('method', sa.String(length=8), nullable=False),
    sa.Column('staff_id', sa.Integer(), nullable=True),
    sa.Column('client_ip', sa.String(length=45), nullable=True),
    sa.Column('user_agent', sa.String(length=200), nullable=True),
    sa.ForeignKeyConstraint(['event_id'], ['events.id'], name=op.f('fk_scan_attempts_event_id_events')),
    sa.ForeignKeyConstraint(['resident_id'], ['residents.id'], name=op.f('fk_scan_attempts_resident_id_residents')),
    sa.ForeignKeyConstraint(['staff_id'], ['staff.id'], name=op.f('fk_scan_attempts_staff_id_staff')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_scan_attempts'))
    )
    with op.batch_alter_table('scan_attempts', schema=None) as batch_op:
        batch_op.create_index('ix_scan_attempts_event_id_at', ['event_id', 'at'], unique=False)

    op.create_table('followups',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('resident_id', sa.Integer(), nullable=False),
    sa.Column('center_id', sa.Integer(), nullable=False),
    sa.Column('condition', sa.String(length=40), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('done_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('checkin_id', sa.Integer(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['center_id'], ['centers.id'], name=op.f('fk_followups_center_id_centers')),
    sa.ForeignKeyConstraint(['checkin_id'], ['checkins.id'], name=op.f('fk_followups_checkin_id_checkins')),
    sa.ForeignKeyConstraint(['created_by_id'], ['staff.id'], name=op.f('fk_followups_created_by_id_staff')),
    sa.ForeignKeyConstraint(['resident_id'], ['residents.id'], name=op.f('fk_followups_resident_id_residents')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_followups'))
    )
    with op.batch_alter_table('followups', schema=None) as batch_op:
        batch_op.create_index('ix_followups_center_due', ['center_id', 'due_on'], unique=False)
        batch_op.create_index('ix_followups_resident_id', ['resident_id'], unique=False)

    with op.batch_alter_table('residents', schema=None) as batch_op:
        batch_op.add_column(sa.Column('member_secret', sa.String(length=32), nullable=True))
    # Existing residents get a random secret each, from the database's own CSPRNG.
    if op.get_bind().dialect.name == "postgresql":
        op.execute("UPDATE residents SET member_secret = replace(gen_random_uuid()::text, '-', '')")
    else:
        op.execute("UPDATE residents SET member_secret = lower(hex(randomblob(16)))")
    with op.batch_alter_table('residents', schema=None) as batch_op:
        batch_op.alter_column('member_secret', existing_type=sa.String(length=32), nullable=False)



def downgrade():
    with op.batch_alter_table('residents', schema=None) as batch_op:
        batch_op.drop_column('member_secret')

    with op.batch_alter_table('followups', schema=None) as batch_op:
        batch_op.drop_index('ix_followups_resident_id')
        batch_op.drop_index('ix_followups_center_due')

    op.drop_table('followups')
    with op.batch_alter_table('scan_attempts', schema=None) as batch_op:
        batch_op.drop_index('ix_scan_attempts_event_id_at')

    op.drop_table('scan_attempts')
    with op.batch_alter_table('checkins', schema=None) as batch_op:
        batch_op.drop_index('ix_checkins_resident_id')
        batch_op.drop_index('ix_checkins_created_at')

    op.drop_table('checkins')
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.drop_index('ix_events_center_starts_at')

    op.drop_table('events')
