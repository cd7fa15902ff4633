"""Deployments waiting for a second process owner's approval

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-02 21:45:00

"""
import sqlalchemy as sa
from alembic import op

revision = "0027"
down_revision = "0026"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "deployment_proposals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("plan", sa.JSON(), nullable=False),
        sa.Column("proposed_by_id", sa.Integer(), nullable=False),
        sa.Column("proposed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("instance_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["proposed_by_id"], ["users.id"]),
        sa.ForeignKeyConstraint(["decided_by_id"], ["users.id"]),
        sa.ForeignKeyConstraint(["instance_id"], ["process_instances.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_deployment_proposals_state", "deployment_proposals", ["state", "proposed_at"])
    op.create_index("ix_deployment_proposals_instance_id", "deployment_proposals", ["instance_id"])


def downgrade():
    op.drop_index("ix_deployment_proposals_instance_id", table_name="deployment_proposals")
    op.drop_index("ix_deployment_proposals_state", table_name="deployment_proposals")
    op.drop_table("deployment_proposals")
