"""Customer contacts in the credit file (000 §4.1.2)

Revision ID: 0025
Revises: 0023
Create Date: 2026-12-02 21:40:00

"""
import sqlalchemy as sa
from alembic import op


revision = "0025"
down_revision = "0023"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "customer_contacts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("position", sa.String(length=100), nullable=False),
        sa.Column("phone", sa.String(length=50), nullable=False),
        sa.Column("email", sa.String(length=200), nullable=False),
        sa.Column("website", sa.String(length=200), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["customer_id"], ["customers.id"], name="fk_customer_contacts_customer_id"),
        sa.ForeignKeyConstraint(["updated_by_id"], ["users.id"], name="fk_customer_contacts_updated_by_id"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_customer_contacts_customer_id", "customer_contacts", ["customer_id"])


def downgrade():
    op.drop_index("ix_customer_contacts_customer_id", table_name="customer_contacts")
    op.drop_table("customer_contacts")
