"""External tasks: service tasks that workers outside the app fetch, lock and complete

Revision ID: 0021
Revises: 0015
Create Date: 2026-12-02 18:00:00

"""
import sqlalchemy as sa
from alembic import op


revision = "0021"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "external_tasks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("instance_id", sa.Integer(), nullable=False),
        sa.Column("engine_task_id", sa.String(length=36), nullable=False),
        sa.Column("bpmn_id", sa.String(length=100), nullable=False),
        sa.Column("topic", sa.String(length=200), nullable=False),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("available_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("lease_owner", sa.String(length=200), nullable=True),
        sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("retries", sa.Integer(), nullable=True),
        sa.Column("error_message", sa.Text(), nullable=True),
        sa.Column("error_details", sa.Text(), nullable=True),
        sa.Column("extension_properties", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["instance_id"], ["process_instances.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("instance_id", "engine_task_id"),
    )
    op.create_index("ix_external_tasks_fetch", "external_tasks", ["status", "topic", "available_at"])
    op.create_index("ix_external_tasks_instance_id", "external_tasks", ["instance_id"])


def downgrade():
    op.drop_index("ix_external_tasks_instance_id", table_name="external_tasks")
    op.drop_index("ix_external_tasks_fetch", table_name="external_tasks")
    op.drop_table("external_tasks")
