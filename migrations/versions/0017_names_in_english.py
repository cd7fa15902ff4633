"""People's names in English beside the Chinese ones

Revision ID: 0017
Revises: 0018
Create Date: 2026-12-02 18:00:00

"""
import re

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0018"
branch_labels = None
depends_on = None

# Names written in both languages at once, "业务员 (Salesperson)", are split into the two columns.
_BOTH = re.compile(r"^(?P<zh>.*\S)\s*\((?P<en>[^()]*[A-Za-z][^()]*)\)$")


def upgrade():
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("display_name_en", sa.String(length=100), nullable=True))
    users = sa.table("users", sa.column("id", sa.Integer), sa.column("display_name", sa.String),
                     sa.column("display_name_en", sa.String))
    connection = op.get_bind()
    for user_id, name in connection.execute(sa.select(users.c.id, users.c.display_name)).all():
        both = _BOTH.match(name or "")
        if both:
            connection.execute(
                users.update().where(users.c.id == user_id).values(display_name=both["zh"], display_name_en=both["en"])
            )


def downgrade():
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("display_name_en")
