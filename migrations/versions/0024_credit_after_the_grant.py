"""The credit file after the grant: limit adjustments, over-limit cases, one-off allowances, renewal and expiry

Revision ID: 0024
Revises: 0027
Create Date: 2026-12-02 21:45:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0024"
down_revision = "0027"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "limit_adjustments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), sa.ForeignKey("customers.id"), nullable=False),
        sa.Column("instance_id", sa.Integer(), sa.ForeignKey("process_instances.id"), nullable=True),
        sa.Column("previous_limit", sa.Numeric(14, 2), nullable=False),
        sa.Column("new_limit", sa.Numeric(14, 2), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("approvals", sa.JSON(), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("instance_id"),
    )
    op.create_index("ix_limit_adjustments_customer_id", "limit_adjustments", ["customer_id"])
    op.create_table(
        "over_limit_cases",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), sa.ForeignKey("customers.id"), nullable=False),
        sa.Column("instance_id", sa.Integer(), sa.ForeignKey("process_instances.id"), nullable=True),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("ceiling", sa.Numeric(14, 2), nullable=False),
        sa.Column("balance", sa.Numeric(14, 2), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("target_date", sa.Date(), nullable=True),
        sa.Column("target_passed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closing_balance", sa.Numeric(14, 2), nullable=True),
        sa.Column("closing_as_of", sa.Date(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("instance_id"),
    )
    op.create_index("ix_over_limit_cases_customer_id", "over_limit_cases", ["customer_id"])
    op.create_table(
        "credit_allowances",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), sa.ForeignKey("customers.id"), nullable=False),
        sa.Column("instance_id", sa.Integer(), sa.ForeignKey("process_instances.id"), nullable=True),
        sa.Column("amount", sa.Numeric(14, 2), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("valid_until", sa.Date(), nullable=False),
        sa.Column("approvals", sa.JSON(), nullable=False),
        sa.Column("granted_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("instance_id"),
    )
    op.create_index("ix_credit_allowances_customer_id", "credit_allowances", ["customer_id"])
    op.create_index("ix_credit_allowances_valid_until", "credit_allowances", ["valid_until"])
    with op.batch_alter_table("credit_decisions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("renewal_instance_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("renewal_choice", sa.String(20), nullable=True))
        batch_op.add_column(sa.Column("expired_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.create_foreign_key(
            "fk_credit_decisions_renewal_instance_id", "process_instances", ["renewal_instance_id"], ["id"]
        )


def downgrade():
    with op.batch_alter_table("credit_decisions", schema=None) as batch_op:
        batch_op.drop_constraint("fk_credit_decisions_renewal_instance_id", type_="foreignkey")
        batch_op.drop_column("expired_at")
        batch_op.drop_column("renewal_choice")
        batch_op.drop_column("renewal_instance_id")
    op.drop_table("credit_allowances")
    op.drop_table("over_limit_cases")
    op.drop_table("limit_adjustments")
