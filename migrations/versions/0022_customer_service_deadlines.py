"""The case clock's escalation, phone inquiries and their daily log, the monthly penalty review and
the yearly satisfaction survey

Revision ID: 0022
Revises: 0011
Create Date: 2026-12-02 18:10:00

"""
import sqlalchemy as sa
from alembic import op

revision = "0022"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("complaints", schema=None) as batch_op:
        batch_op.add_column(sa.Column("case_escalated_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("case_escalation_instance_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            "fk_complaints_case_escalation_instance", "process_instances", ["case_escalation_instance_id"], ["id"]
        )
        # The scheduler looks for open cases past their deadline on every tick.
        batch_op.create_index("ix_complaints_open_due", ["closed_at", "due_at"], unique=False)
    op.create_table(
        "phone_inquiries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("instance_id", sa.Integer(), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("customer_code", sa.String(length=32), nullable=True),
        sa.Column("customer_name", sa.String(length=200), nullable=False),
        sa.Column("contact", sa.String(length=200), nullable=False),
        sa.Column("question", sa.Text(), nullable=False),
        sa.Column("answered_at_once", sa.Boolean(), nullable=False),
        sa.Column("answer", sa.Text(), nullable=True),
        sa.Column("responsible_role", sa.String(length=64), nullable=True),
        sa.Column("reply_due_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("replied_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reply", sa.Text(), nullable=True),
        sa.Column("recorded_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["instance_id"], ["process_instances.id"]),
        sa.ForeignKeyConstraint(["recorded_by_id"], ["users.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("instance_id"),
    )
    with op.batch_alter_table("phone_inquiries", schema=None) as batch_op:
        batch_op.create_index("ix_phone_inquiries_received_at", ["received_at"], unique=False)
    op.create_table(
        "phone_call_logs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("calls", sa.Integer(), nullable=False),
        sa.Column("instance_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["instance_id"], ["process_instances.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("day"),
    )
    op.create_table(
        "complaint_penalty_reviews",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("month", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("cases", sa.JSON(), nullable=False),
        sa.Column("instance_id", sa.Integer(), nullable=True),
        sa.Column("decisions", sa.Text(), nullable=True),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("published_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["instance_id"], ["process_instances.id"]),
        sa.ForeignKeyConstraint(["published_by_id"], ["users.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("year", "month"),
    )
    op.create_table(
        "satisfaction_surveys",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("instance_id", sa.Integer(), nullable=True),
        sa.Column("recipients", sa.JSON(), nullable=False),
        sa.Column("scores", sa.JSON(), nullable=False),
        sa.Column("analysis", sa.Text(), nullable=True),
        sa.Column("approved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("actions", sa.JSON(), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["instance_id"], ["process_instances.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("year"),
    )


def downgrade():
    op.drop_table("satisfaction_surveys")
    op.drop_table("complaint_penalty_reviews")
    op.drop_table("phone_call_logs")
    with op.batch_alter_table("phone_inquiries", schema=None) as batch_op:
        batch_op.drop_index("ix_phone_inquiries_received_at")
    op.drop_table("phone_inquiries")
    with op.batch_alter_table("complaints", schema=None) as batch_op:
        batch_op.drop_index("ix_complaints_open_due")
        batch_op.drop_constraint("fk_complaints_case_escalation_instance", type_="foreignkey")
        batch_op.drop_column("case_escalation_instance_id")
        batch_op.drop_column("case_escalated_at")
