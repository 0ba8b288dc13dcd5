"""reminders: the desk's calls for reminders of residents without WeChat (status called)

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-03

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0026'
down_revision = '0025'
branch_labels = None
depends_on = None

BEFORE = "('pending', 'sending', 'sent', 'failed', 'no_grant', 'refused', 'cancelled', 'expired')"
AFTER = "('pending', 'sending', 'sent', 'failed', 'no_grant', 'refused', 'cancelled', 'expired', 'called')"


def upgrade():
    op.create_table('reminder_calls',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('reminder_id', sa.Integer(), nullable=False),
    sa.Column('staff_id', sa.Integer(), nullable=False),
    sa.Column('called_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('outcome', sa.String(length=12), nullable=False),
    sa.Column('note', sa.String(length=500), nullable=True),
    sa.CheckConstraint("outcome IN ('reached', 'no_answer', 'refused')", name=op.f('ck_reminder_calls_outcome')),
    sa.ForeignKeyConstraint(['reminder_id'], ['reminders.id'], name=op.f('fk_reminder_calls_reminder_id_reminders'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['staff_id'], ['staff.id'], name=op.f('fk_reminder_calls_staff_id_staff')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reminder_calls'))
    )
    op.create_index(op.f('ix_reminder_calls_reminder_id'), 'reminder_calls', ['reminder_id'], unique=False)
    op.drop_constraint(op.f('ck_reminders_status'), 'reminders', type_='check')
    op.create_check_constraint(op.f('ck_reminders_status'), 'reminders', f"status IN {AFTER}")


def downgrade():
    op.execute("UPDATE reminders SET status = 'cancelled' WHERE status = 'called'")
    op.drop_constraint(op.f('ck_reminders_status'), 'reminders', type_='check')
    op.create_check_constraint(op.f('ck_reminders_status'), 'reminders', f"status IN {BEFORE}")
    op.drop_index(op.f('ix_reminder_calls_reminder_id'), table_name='reminder_calls')
    op.drop_table('reminder_calls')
