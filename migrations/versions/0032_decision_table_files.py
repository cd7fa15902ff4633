"""Decision tables saved before any process calls them

Revision ID: 0032
Revises: 0025
Create Date: 2026-12-20 10:00:00

"""
import sqlalchemy as sa
from alembic import op

revision = "0032"
down_revision = "0025"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "decision_table_files",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("xml", sa.Text(), nullable=False),
        sa.Column("saved_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("saved_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["saved_by_id"], ["users.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("name"),
    )


def downgrade():
    op.drop_table("decision_table_files")
