"""calls staff make about overdue follow-ups, with their outcome and any new due day

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-05

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'followup_calls',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('followup_id', sa.Integer(), nullable=False),
        sa.Column('staff_id', sa.Integer(), nullable=False),
        sa.Column('called_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('outcome', sa.String(length=12), nullable=False),
        sa.Column('note', sa.String(length=500), nullable=True),
        sa.Column('due_on_before', sa.Date(), nullable=False),
        sa.Column('new_due_on', sa.Date(), nullable=True),
        sa.CheckConstraint(
            "outcome IN ('reached', 'no_answer', 'refused')",
            name=op.f('ck_followup_calls_outcome'),
        ),
        sa.ForeignKeyConstraint(
            ['followup_id'], ['followups.id'], name=op.f('fk_followup_calls_followup_id_followups')
        ),
        sa.ForeignKeyConstraint(
            ['staff_id'], ['staff.id'], name=op.f('fk_followup_calls_staff_id_staff')
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_followup_calls')),
    )
    with op.batch_alter_table('followup_calls', schema=None) as batch_op:
        batch_op.create_index('ix_followup_calls_followup_id', ['followup_id', 'id'], unique=False)


def downgrade():
    with op.batch_alter_table('followup_calls', schema=None) as batch_op:
        batch_op.drop_index('ix_followup_calls_followup_id')
    op.drop_table('followup_calls')
