"""People's names in English beside the Chinese ones

Revision ID: 0017
Revises: 0015
Create Date: 2026-12-02 18:00:00

"""
import re

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0015"
branch_labels = None
depends_on = None

# Names written in both languages at once, "业务员 (Salesperson)", are split into the two columns.
_BOTH = re.compile(r"^(?P<zh>.*\S)\s*\((?P<en>[^()]*[A-Za-z][^()]*)\)$")


def upgrade():
    # The column itself came with the administration's migration (0019); only the old names are split here.
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
    pass  # the split names stay split: both columns remain valid
