"""core: an idempotency key keeps its answer's htmx headers, so a console page's replayed
answer triggers what the first one did

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-04

"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql


# revision identifiers, used by Alembic.
revision = '0028'
down_revision = '0027'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column(
        'idempotency_keys', sa.Column('headers', postgresql.JSONB(astext_type=sa.Text()))
    )


def downgrade():
    op.drop_column('idempotency_keys', 'headers')
