"""Service-quality complaints go to the head of the department they name: the single service_owner
role goes away; its open tasks go to the service department's head (or the customer-service queue)

Revision ID: 0019b
Revises: 0019
Create Date: 2026-12-02 18:20:00

"""
import sqlalchemy as sa
from alembic import op

revision = "0019b"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade():
    conn = op.get_bind()
    role_id = conn.execute(sa.text("SELECT id FROM roles WHERE key = 'service_owner'")).scalar()
    # 0019 made whoever held the role head of the service department, so nobody's work is lost:
    # their unclaimed tasks become theirs by name; the queue behind them is the customer-service director's.
    head = conn.execute(sa.text("SELECT head_id FROM departments WHERE key = 'service'")).scalar()
    if head is not None:
        conn.execute(
            sa.text(
                "UPDATE human_tasks SET assignee_id = :head "
                "WHERE role = 'service_owner' AND status = 'open' AND assignee_id IS NULL"
            ),
            {"head": head},
        )
    conn.execute(sa.text("UPDATE human_tasks SET role = 'cs_director' WHERE role = 'service_owner' AND status = 'open'"))
    if role_id is not None:
        conn.execute(sa.text("DELETE FROM user_roles WHERE role_id = :r"), {"r": role_id})
        conn.execute(sa.text("DELETE FROM roles WHERE id = :r"), {"r": role_id})


def downgrade():
    conn = op.get_bind()
    if conn.execute(sa.text("SELECT 1 FROM roles WHERE key = 'service_owner'")).first() is None:
        conn.execute(
            sa.text(
                "INSERT INTO roles (key, name_zh, name_en, description) "
                "VALUES ('service_owner', '系统负责人', 'Service owner', '')"
            )
        )
