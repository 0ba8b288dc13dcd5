"""events are indexed by their end, for a resident's upcoming events

"Upcoming" is "not yet ended": without this index the first page of a resident's list reads
every past event to find the few ahead.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.create_index('ix_events_ends_at', ['ends_at'], unique=False)


def downgrade():
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.drop_index('ix_events_ends_at')
