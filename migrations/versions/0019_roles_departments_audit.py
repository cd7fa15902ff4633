"""Roles as data with a description, departments with a head, account fields for administration,
and an append-only audit trail

Revision ID: 0019
Revises: 0011
Create Date: 2026-12-02 18:00:00

"""
import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None

# The company's standard roles, so a fresh installation can be set up before any demo data exists.
_ROLES = [
    ("salesperson", "业务员", "Salesperson"),
    ("sales_manager", "营销部经理", "Sales manager"),
    ("finance_director", "财务总监", "Finance director"),
    ("general_manager", "总经理", "General manager"),
    ("sales_vp", "营销副总", "Sales VP"),
    ("cs_director", "客服主任", "Customer service director"),
    ("production_manager", "生产部经理", "Production manager"),
    ("logistics_director", "仓储物流主任", "Logistics director"),
    ("credit_controller", "信用控制主管", "Credit controller"),
    ("process_owner", "流程负责人", "Process owner"),
    ("admin", "系统管理员", "Administrator"),
]
# key, names, and the role whose holder heads it today (so existing installations get a head at once).
_DEPARTMENTS = [
    ("management", "总经理办公室", "Management", "general_manager", None),
    ("sales", "营销部", "Sales", "sales_manager", "management"),
    ("finance", "财务部", "Finance", "finance_director", "management"),
    ("customer_service", "客服部", "Customer service", "cs_director", "management"),
    ("production", "生产部", "Production", "production_manager", "management"),
    ("logistics", "仓储物流部", "Logistics", "logistics_director", "management"),
    ("service", "服务部门", "Service", "service_owner", "management"),
]
_SQLITE_TRIGGERS = [
    "CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events "
    "BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END",
    "CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events "
    "BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END",
]
_PG_TRIGGERS = [
    "CREATE FUNCTION audit_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ "
    "BEGIN RAISE EXCEPTION 'audit events are append-only'; END $$",
    "CREATE TRIGGER audit_events_no_change BEFORE UPDATE OR DELETE ON audit_events "
    "FOR EACH ROW EXECUTE FUNCTION audit_events_append_only()",
]


def upgrade():
    with op.batch_alter_table("roles", schema=None) as batch_op:
        batch_op.add_column(sa.Column("description", sa.Text(), nullable=False, server_default=""))
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("display_name_en", sa.String(length=100), nullable=True))
        batch_op.add_column(
            sa.Column("must_change_password", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.add_column(sa.Column("auth_source", sa.String(length=10), nullable=False, server_default="local"))
    op.create_table(
        "departments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("name_zh", sa.String(length=100), nullable=False),
        sa.Column("name_en", sa.String(length=100), nullable=False),
        sa.Column("head_id", sa.Integer(), nullable=True),
        sa.Column("parent_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["head_id"], ["users.id"]),
        sa.ForeignKeyConstraint(["parent_id"], ["departments.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("key"),
    )
    conn = op.get_bind()
    for key, zh, en in _ROLES:
        if conn.execute(sa.text("SELECT 1 FROM roles WHERE key = :k"), {"k": key}).first() is None:
            conn.execute(sa.text("INSERT INTO roles (key, name_zh, name_en, description) VALUES (:k, :zh, :en, '')"),
                         {"k": key, "zh": zh, "en": en})
    for key, zh, en, head_role, parent in _DEPARTMENTS:
        head = conn.execute(
            sa.text(
                "SELECT MIN(u.id) FROM users u JOIN user_roles ur ON ur.user_id = u.id "
                "JOIN roles r ON r.id = ur.role_id WHERE r.key = :role AND u.active"
            ),
            {"role": head_role},
        ).scalar()
        parent_id = (
            conn.execute(sa.text("SELECT id FROM departments WHERE key = :k"), {"k": parent}).scalar() if parent else None
        )
        conn.execute(
            sa.text(
                "INSERT INTO departments (key, name_zh, name_en, head_id, parent_id) VALUES (:k, :zh, :en, :h, :p)"
            ),
            {"k": key, "zh": zh, "en": en, "h": head, "p": parent_id},
        )
    for statement in _PG_TRIGGERS if conn.dialect.name == "postgresql" else _SQLITE_TRIGGERS:
        op.execute(statement)


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER audit_events_no_change ON audit_events")
        op.execute("DROP FUNCTION audit_events_append_only()")
    else:
        op.execute("DROP TRIGGER audit_events_no_update")
        op.execute("DROP TRIGGER audit_events_no_delete")
    op.drop_table("departments")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("auth_source")
        batch_op.drop_column("must_change_password")
        batch_op.drop_column("display_name_en")
    with op.batch_alter_table("roles", schema=None) as batch_op:
        batch_op.drop_column("description")
