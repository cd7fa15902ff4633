"""English task names and titles beside the diagram's Chinese ones

Revision ID: 0010
Revises: 0006
Create Date: 2026-11-23 11:00:00

"""
import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("human_tasks", schema=None) as batch_op:
        batch_op.add_column(sa.Column("name_en", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("title_en", sa.String(length=300), nullable=True))


def downgrade():
    with op.batch_alter_table("human_tasks", schema=None) as batch_op:
        batch_op.drop_column("title_en")
        batch_op.drop_column("name_en")
