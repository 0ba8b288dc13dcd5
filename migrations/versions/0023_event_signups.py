"""events: residents' sign-ups (报名) ahead of an event, and the count of live ones

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-03

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0023'
down_revision = '0022'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "event_signups",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("resident_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("cancelled_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["event_id"], ["events.id"], name=op.f("fk_event_signups_event_id_events")
        ),
        sa.ForeignKeyConstraint(
            ["resident_id"], ["residents.id"], name=op.f("fk_event_signups_resident_id_residents")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_event_signups")),
    )
    with op.batch_alter_table("event_signups", schema=None) as batch_op:
        batch_op.create_index("ix_event_signups_resident_id", ["resident_id"], unique=False)
        batch_op.create_index(
            "uq_event_signups_live",
            ["event_id", "resident_id"],
            unique=True,
            postgresql_where=sa.text("cancelled_at IS NULL"),
        )
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("signups_taken", sa.Integer(), server_default=sa.text("0"), nullable=False)
        )
        batch_op.create_check_constraint(
            batch_op.f("ck_events_signups_within_capacity"),
            "signups_taken BETWEEN 0 AND COALESCE(capacity, signups_taken)",
        )


def downgrade():
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_events_signups_within_capacity"), type_="check")
        batch_op.drop_column("signups_taken")
    with op.batch_alter_table("event_signups", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_event_signups_live", postgresql_where=sa.text("cancelled_at IS NULL")
        )
        batch_op.drop_index("ix_event_signups_resident_id")
    op.drop_table("event_signups")
