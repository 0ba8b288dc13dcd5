"""gamification: a manager's badge can be deactivated (no longer awarded; kept by holders)

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-03

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0020'
down_revision = '0019'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('badges', schema=None) as batch_op:
        batch_op.add_column(sa.Column('deactivated_at', sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table('badges', schema=None) as batch_op:
        batch_op.drop_column('deactivated_at')
