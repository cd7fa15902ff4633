"""Signing by several people: each task row says how it came to be signed (会签, 或签, 加签), and the
signers a holder added before or after themselves

Revision ID: 0028
Revises: 0029
Create Date: 2026-12-02 21:45:00

"""
import sqlalchemy as sa
from alembic import op

revision = "0028"
down_revision = "0029"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("human_tasks") as batch:
        batch.add_column(sa.Column("sign_kind", sa.String(length=10), nullable=True))
    op.create_table(
        "added_signers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("instance_id", sa.Integer(), nullable=False),
        sa.Column("for_task_id", sa.Integer(), nullable=False),
        sa.Column("engine_task_id", sa.String(length=36), nullable=False),
        sa.Column("signer_task_id", sa.Integer(), nullable=True),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.String(length=10), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("added_by_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("held_data", sa.JSON(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["instance_id"], ["process_instances.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["for_task_id"], ["human_tasks.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["signer_task_id"], ["human_tasks.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"]),
        sa.ForeignKeyConstraint(["added_by_id"], ["users.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("signer_task_id"),
    )
    op.create_index("ix_added_signers_instance_id", "added_signers", ["instance_id"])
    op.create_index("ix_added_signers_for_task", "added_signers", ["for_task_id", "status"])


def downgrade():
    op.drop_index("ix_added_signers_for_task", table_name="added_signers")
    op.drop_index("ix_added_signers_instance_id", table_name="added_signers")
    op.drop_table("added_signers")
    with op.batch_alter_table("human_tasks") as batch:
        batch.drop_column("sign_kind")
