"""Inbox: search and customer columns on task rows, indexes for its orders, saved filters

Revision ID: 0009
Revises: 0006
Create Date: 2026-11-23 11:00:00

"""
import json

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

_INDEXES = {
    "ix_tasks_assignee_created": ["assignee_id", "status", "created_at"],
    "ix_tasks_queue_due": ["role", "assignee_id", "status", "due_at"],
    "ix_tasks_queue_created": ["role", "assignee_id", "status", "created_at"],
    "ix_tasks_completed_by": ["completed_by_id", "status", "completed_at"],
}


def _backfill() -> None:
    # Rows written before this revision get the same values the projection writes from now on.
    bind = op.get_bind()
    rows = bind.execute(
        sa.text(
            "SELECT t.id, t.title, t.business_key, i.data FROM human_tasks t"
            " JOIN process_instances i ON i.id = t.instance_id WHERE t.status = 'open'"
        )
    ).all()
    for task_id, title, business_key, data in rows:
        if isinstance(data, str):
            data = json.loads(data or "{}")
        customer = (data or {}).get("customer_name")
        bind.execute(
            sa.text("UPDATE human_tasks SET search_text = :s, customer = :c WHERE id = :id"),
            {
                "s": f"{title} {business_key or ''}".lower()[:600],
                "c": str(customer)[:200] if customer else None,
                "id": task_id,
            },
        )


def upgrade():
    with op.batch_alter_table("human_tasks", schema=None) as batch_op:
        batch_op.add_column(sa.Column("customer", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("search_text", sa.String(length=600), nullable=True))
        for name, columns in _INDEXES.items():
            batch_op.create_index(name, columns, unique=False)
    _backfill()
    op.create_table(
        "saved_filters",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=60), nullable=False),
        sa.Column("params", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("user_id", "name", name="uq_saved_filters_user_name"),
    )


def downgrade():
    op.drop_table("saved_filters")
    with op.batch_alter_table("human_tasks", schema=None) as batch_op:
        for name in _INDEXES:
            batch_op.drop_index(name)
        batch_op.drop_column("search_text")
        batch_op.drop_column("customer")
