"""Several candidate roles and people per task, task priority and follow-up date, timer start events

Revision ID: 0029
Revises: 0031
Create Date: 2026-12-02 21:40:00

"""
import sqlalchemy as sa
from alembic import op

revision = "0029"
down_revision = "0031"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("human_tasks", schema=None) as batch_op:
        batch_op.add_column(sa.Column("priority", sa.Integer(), nullable=False, server_default="50"))
        batch_op.add_column(sa.Column("follow_up_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index("ix_tasks_assignee_priority", ["assignee_id", "status", "priority"], unique=False)
        batch_op.create_index("ix_tasks_queue_priority", ["role", "assignee_id", "status", "priority"], unique=False)
    op.create_table(
        "task_candidates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("task_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=64), nullable=True),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["task_id"], ["human_tasks.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_task_candidates_task_id", "task_candidates", ["task_id"])
    op.create_index("ix_task_candidates_role", "task_candidates", ["role", "task_id"])
    op.create_index("ix_task_candidates_user", "task_candidates", ["user_id", "task_id"])
    op.create_table(
        "start_timers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("process_key", sa.String(length=100), nullable=False),
        sa.Column("bpmn_id", sa.String(length=100), nullable=False),
        sa.Column("fire_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("fired", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["version_id"], ["process_versions.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("version_id", "bpmn_id"),
    )
    op.create_index("ix_start_timers_due", "start_timers", ["status", "fire_at"])


def downgrade():
    op.drop_index("ix_start_timers_due", table_name="start_timers")
    op.drop_table("start_timers")
    op.drop_index("ix_task_candidates_user", table_name="task_candidates")
    op.drop_index("ix_task_candidates_role", table_name="task_candidates")
    op.drop_index("ix_task_candidates_task_id", table_name="task_candidates")
    op.drop_table("task_candidates")
    with op.batch_alter_table("human_tasks", schema=None) as batch_op:
        batch_op.drop_index("ix_tasks_queue_priority")
        batch_op.drop_index("ix_tasks_assignee_priority")
        batch_op.drop_column("follow_up_at")
        batch_op.drop_column("priority")
