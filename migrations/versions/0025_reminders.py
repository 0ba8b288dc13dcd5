"""reminders: grants, the outbox of reminders, attempts, the shared access token

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-03

"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

# revision identifiers, used by Alembic.
revision = '0025'
down_revision = '0024'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('wechat_access_tokens',
    sa.Column('appid', sa.String(length=64), nullable=False),
    sa.Column('token', sa.String(length=600), nullable=False),
    sa.Column('good_until', sa.DateTime(timezone=True), nullable=False),
    sa.Column('fetched_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('appid', name=op.f('pk_wechat_access_tokens'))
    )
    op.create_table('reminder_subscriptions',
    sa.Column('resident_id', sa.Integer(), nullable=False),
    sa.Column('template', sa.String(length=20), nullable=False),
    sa.Column('remaining', sa.Integer(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("template IN ('event_reminder', 'followup_due', 'points_expiring', 'pickup_expiring')", name=op.f('ck_reminder_subscriptions_template')),
    sa.CheckConstraint('remaining >= 0 AND remaining <= 50', name=op.f('ck_reminder_subscriptions_remaining')),
    sa.ForeignKeyConstraint(['resident_id'], ['residents.id'], name=op.f('fk_reminder_subscriptions_resident_id_residents')),
    sa.PrimaryKeyConstraint('resident_id', 'template', name=op.f('pk_reminder_subscriptions'))
    )
    op.create_table('reminders',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('resident_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('subject_type', sa.String(length=20), nullable=False),
    sa.Column('subject_id', sa.BigInteger(), nullable=False),
    sa.Column('center_id', sa.Integer(), nullable=True),
    sa.Column('channel', sa.String(length=8), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('send_after', sa.DateTime(timezone=True), nullable=False),
    sa.Column('send_before', sa.DateTime(timezone=True), nullable=False),
    sa.Column('data', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('claimed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('settled_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('attempts', sa.Integer(), server_default=sa.text('0'), nullable=False),
    sa.CheckConstraint("channel IN ('wechat', 'call')", name=op.f('ck_reminders_channel')),
    sa.CheckConstraint("kind IN ('event_reminder', 'followup_due', 'followup_overdue', 'points_expiring', 'pickup_expiring')", name=op.f('ck_reminders_kind')),
    sa.CheckConstraint("status IN ('pending', 'sending', 'sent', 'failed', 'no_grant', 'refused', 'cancelled', 'expired')", name=op.f('ck_reminders_status')),
    sa.ForeignKeyConstraint(['center_id'], ['centers.id'], name=op.f('fk_reminders_center_id_centers')),
    sa.ForeignKeyConstraint(['resident_id'], ['residents.id'], name=op.f('fk_reminders_resident_id_residents')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reminders')),
    sa.UniqueConstraint('resident_id', 'kind', 'subject_type', 'subject_id', name=op.f('uq_reminders_resident_id_kind_subject_type_subject_id'))
    )
    with op.batch_alter_table('reminders', schema=None) as batch_op:
        batch_op.create_index('ix_reminders_center_id', ['center_id', 'id'], unique=False)
        batch_op.create_index('ix_reminders_due', ['send_after'], unique=False, postgresql_where=sa.text("status = 'pending' AND channel = 'wechat'"))
        batch_op.create_index('ix_reminders_sending', ['claimed_at'], unique=False, postgresql_where=sa.text("status = 'sending'"))

    op.create_table('reminder_attempts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('reminder_id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('http_status', sa.Integer(), nullable=True),
    sa.Column('errcode', sa.Integer(), nullable=True),
    sa.Column('errmsg', sa.String(length=200), nullable=True),
    sa.ForeignKeyConstraint(['reminder_id'], ['reminders.id'], name=op.f('fk_reminder_attempts_reminder_id_reminders'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reminder_attempts'))
    )
    with op.batch_alter_table('reminder_attempts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_reminder_attempts_reminder_id'), ['reminder_id'], unique=False)



def downgrade():
    with op.batch_alter_table('reminder_attempts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_reminder_attempts_reminder_id'))

    op.drop_table('reminder_attempts')
    with op.batch_alter_table('reminders', schema=None) as batch_op:
        batch_op.drop_index('ix_reminders_sending', postgresql_where=sa.text("status = 'sending'"))
        batch_op.drop_index('ix_reminders_due', postgresql_where=sa.text("status = 'pending' AND channel = 'wechat'"))
        batch_op.drop_index('ix_reminders_center_id')

    op.drop_table('reminders')
    op.drop_table('reminder_subscriptions')
    op.drop_table('wechat_access_tokens')
