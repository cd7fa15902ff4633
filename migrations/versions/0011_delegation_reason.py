"""The reason given for a delegation

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02 04:20:00

"""
import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade():
    # Delegations made before reasons were asked for keep an empty one.
    with op.batch_alter_table("delegations", schema=None) as batch_op:
        batch_op.add_column(sa.Column("reason", sa.Text(), nullable=False, server_default=""))


def downgrade():
    with op.batch_alter_table("delegations", schema=None) as batch_op:
        batch_op.drop_column("reason")
