"""The credit file's responsible salesperson, finance's receivables records and each grant's validity

Revision ID: 0015
Revises: 0018
Create Date: 2026-12-02 18:00:00

"""
import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0019b"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("customers", schema=None) as batch_op:
        batch_op.add_column(sa.Column("responsible_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("receivables_balance", sa.Numeric(14, 2), nullable=True))
        batch_op.add_column(sa.Column("overdue_balance", sa.Numeric(14, 2), nullable=True))
        batch_op.add_column(sa.Column("receivables_as_of", sa.Date(), nullable=True))
        batch_op.create_foreign_key("fk_customers_responsible_id_users", "users", ["responsible_id"], ["id"])
        batch_op.create_index("ix_customers_responsible_id", ["responsible_id"])
    # Files from before: their first filer is the responsible salesperson, as for new ones.
    op.execute(
        "UPDATE customers SET responsible_id = (SELECT d.filed_by_id FROM credit_decisions d"
        " WHERE d.customer_id = customers.id AND d.filed_by_id IS NOT NULL ORDER BY d.decided_at, d.id LIMIT 1)"
    )
    with op.batch_alter_table("credit_decisions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("valid_from", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("valid_until", sa.Date(), nullable=True))
    op.create_table(
        "receivables_records",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), sa.ForeignKey("customers.id"), nullable=False),
        sa.Column("balance", sa.Numeric(14, 2), nullable=False),
        sa.Column("overdue", sa.Numeric(14, 2), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recorded_by_id", sa.Integer(), sa.ForeignKey("users.id"), nullable=True),
        sa.Column("source", sa.String(20), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_receivables_customer_as_of", "receivables_records", ["customer_id", "as_of"])
    op.create_index("ix_receivables_records_as_of", "receivables_records", ["as_of"])


def downgrade():
    op.drop_table("receivables_records")
    with op.batch_alter_table("credit_decisions", schema=None) as batch_op:
        batch_op.drop_column("valid_until")
        batch_op.drop_column("valid_from")
    with op.batch_alter_table("customers", schema=None) as batch_op:
        batch_op.drop_index("ix_customers_responsible_id")
        batch_op.drop_constraint("fk_customers_responsible_id_users", type_="foreignkey")
        batch_op.drop_column("receivables_as_of")
        batch_op.drop_column("overdue_balance")
        batch_op.drop_column("receivables_balance")
        batch_op.drop_column("responsible_id")
