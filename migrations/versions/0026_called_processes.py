"""Call activities across files: each version keeps the diagrams of the processes it calls

Revision ID: 0026
Revises: 0028
Create Date: 2026-12-02 22:10:00

"""
import sqlalchemy as sa
from alembic import op


revision = "0026"
down_revision = "0028"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("process_versions") as batch:
        batch.add_column(sa.Column("called_bpmn", sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table("process_versions") as batch:
        batch.drop_column("called_bpmn")
