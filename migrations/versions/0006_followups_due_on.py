"""an index that alone answers follow-up compliance over a period, district-wide

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-23

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('followups', schema=None) as batch_op:
        batch_op.create_index(
            'ix_followups_due_on',
            ['due_on'],
            unique=False,
            postgresql_include=['center_id', 'resident_id', 'condition', 'done_at'],
        )


def downgrade():
    with op.batch_alter_table('followups', schema=None) as batch_op:
        batch_op.drop_index('ix_followups_due_on')
