"""Credit reviews after the grant: the quarterly refresh, the monthly review and the quarterly summary

Revision ID: 0023
Revises: 0024
Create Date: 2026-12-02 21:30:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0023"
down_revision = "0024"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "credit_reviews",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("period", sa.String(length=10), nullable=False),
        sa.Column("subject", sa.String(length=32), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=True),
        sa.Column("instance_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("outcome", sa.String(length=30), nullable=True),
        sa.Column("grade", sa.String(length=1), nullable=True),
        sa.Column("limit_before", sa.Numeric(precision=14, scale=2), nullable=True),
        sa.Column("proposed_limit", sa.Numeric(precision=14, scale=2), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.Column("adjustment_instance_id", sa.Integer(), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["customer_id"], ["customers.id"]),
        sa.ForeignKeyConstraint(["instance_id"], ["process_instances.id"]),
        sa.ForeignKeyConstraint(["adjustment_instance_id"], ["process_instances.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("kind", "period", "subject", name="uq_credit_reviews_period"),
    )
    with op.batch_alter_table("credit_reviews", schema=None) as batch_op:
        batch_op.create_index("ix_credit_reviews_customer_id", ["customer_id"], unique=False)


def downgrade():
    with op.batch_alter_table("credit_reviews", schema=None) as batch_op:
        batch_op.drop_index("ix_credit_reviews_customer_id")
    op.drop_table("credit_reviews")
