"""A credit decision's reason in English beside the Chinese, when the decision table gives one

Revision ID: 0031
Revises: 0021
Create Date: 2026-12-02 21:45:00

"""
import sqlalchemy as sa
from alembic import op


revision = "0031"
down_revision = "0021"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("credit_decisions") as batch:
        batch.add_column(sa.Column("reason_en", sa.Text(), nullable=True))


def downgrade():
    with op.batch_alter_table("credit_decisions") as batch:
        batch.drop_column("reason_en")
