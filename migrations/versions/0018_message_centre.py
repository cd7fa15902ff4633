"""The message centre, chat robots on the outbox, and unread copies

Revision ID: 0018
Revises: 0011
Create Date: 2026-12-02 18:00:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0022"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "notifications",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("subject", sa.String(300), nullable=False),
        sa.Column("subject_en", sa.String(300)),
        sa.Column("decision", sa.String(20)),
        sa.Column("actor_id", sa.Integer(), sa.ForeignKey("users.id")),
        sa.Column("instance_id", sa.Integer(), sa.ForeignKey("process_instances.id", ondelete="CASCADE")),
        sa.Column("task_id", sa.Integer(), sa.ForeignKey("human_tasks.id", ondelete="CASCADE")),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("read_at", sa.DateTime(timezone=True)),
    )
    op.create_index("ix_notifications_unread", "notifications", ["user_id", "read_at", "id"])
    op.create_table(
        "chat_webhooks",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("url", sa.String(1000), nullable=False),
        sa.Column("secret", sa.String(200)),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("users.id", ondelete="CASCADE")),
        sa.Column("role", sa.String(64)),
        sa.Column("active", sa.Boolean(), nullable=False, server_default=sa.true()),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_chat_webhooks_user_id", "chat_webhooks", ["user_id"])
    op.create_index("ix_chat_webhooks_role", "chat_webhooks", ["role"])
    # Mail and robot messages share the outbox and its retries; a robot row names its webhook.
    with op.batch_alter_table("outbox_mails", schema=None) as batch_op:
        batch_op.add_column(sa.Column("channel", sa.String(20), nullable=False, server_default="mail"))
        batch_op.add_column(sa.Column("webhook_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            "fk_outbox_mails_webhook", "chat_webhooks", ["webhook_id"], ["id"], ondelete="CASCADE"
        )
    # Copies made before this was kept count as read: nobody should find old ones suddenly unread.
    with op.batch_alter_table("instance_watchers", schema=None) as batch_op:
        batch_op.add_column(sa.Column("read_at", sa.DateTime(timezone=True), nullable=True))
    op.execute("UPDATE instance_watchers SET read_at = added_at")


def downgrade():
    with op.batch_alter_table("instance_watchers", schema=None) as batch_op:
        batch_op.drop_column("read_at")
    with op.batch_alter_table("outbox_mails", schema=None) as batch_op:
        batch_op.drop_constraint("fk_outbox_mails_webhook", type_="foreignkey")
        batch_op.drop_column("webhook_id")
        batch_op.drop_column("channel")
    op.drop_index("ix_chat_webhooks_role", table_name="chat_webhooks")
    op.drop_index("ix_chat_webhooks_user_id", table_name="chat_webhooks")
    op.drop_table("chat_webhooks")
    op.drop_index("ix_notifications_unread", table_name="notifications")
    op.drop_table("notifications")
