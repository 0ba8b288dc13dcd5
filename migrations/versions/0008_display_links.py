"""events count their projector links' generation, so a link can be taken back

A display link carries the generation it was issued in; revoking the event's links moves
the generation on, and every older link stops working.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('display_generation', sa.Integer(), server_default=sa.text('0'), nullable=False)
        )


def downgrade():
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.drop_column('display_generation')
