"""The company's roles and the demo org chart, as domain.md describes them.

Roles are data (the `roles` table, managed under Administration); `ROLES` is only the standard set a
new installation and the demo company start from. Code asks `role_names()` for the roles that exist.
"""

from __future__ import annotations

from flask import g, has_request_context

from ...extensions import db
from ...models import Role

ROLES: dict[str, tuple[str, str]] = {
    "salesperson": ("业务员", "Salesperson"),
    "sales_manager": ("营销部经理", "Sales manager"),
    "finance_director": ("财务总监", "Finance director"),
    "general_manager": ("总经理", "General manager"),
    "sales_vp": ("营销副总", "Sales VP"),
    "cs_director": ("客服主任", "Customer service director"),
    "production_manager": ("生产部经理", "Production manager"),
    "logistics_director": ("仓储物流主任", "Logistics director"),
    "credit_controller": ("信用控制主管", "Credit controller"),
    "process_owner": ("流程负责人", "Process owner"),
    "admin": ("系统管理员", "Administrator"),
    "chairman": ("董事长", "Chairman"),
}

# Who reports to whom in the demo company (user name -> supervisor's user name).
DEMO_SUPERVISORS: dict[str, str | None] = {
    "salesperson": "sales_manager",
    "salesperson2": "sales_manager",
    "sales_manager": "sales_vp",
    "sales_vp": "general_manager",
    "finance_director": "general_manager",
    "credit_controller": "finance_director",
    "cs_director": "general_manager",
    "production_manager": "general_manager",
    "logistics_director": "general_manager",
    "service_owner": "general_manager",
    "process_owner": "general_manager",
    # A second process owner, so a change one of them deploys has someone to approve it.
    "process_owner2": "general_manager",
    "general_manager": None,
    # The chairman signs limit cuts and the quarterly summary (第二十九、四十二条) but supervises nobody's
    # overdue work: escalation stops at the general manager.
    "chairman": None,
    "admin": None,
}

# Roles whose work needs the customer credit files (第三篇 五: confidentiality).
CREDIT_FILE_ROLES = frozenset({"sales_manager", "finance_director", "general_manager", "sales_vp", "credit_controller"})

# The department each demo user belongs to, for the supervisor desk's counts.
DEMO_DEPARTMENTS: dict[str, str] = {
    "salesperson": "sales",
    "salesperson2": "sales",
    "sales_manager": "sales",
    "sales_vp": "sales",
    "finance_director": "finance",
    "credit_controller": "finance",
    "cs_director": "customer_service",
    "production_manager": "production",
    "logistics_director": "logistics",
    "service_owner": "service",
    "process_owner": "management",
    "process_owner2": "management",
    "general_manager": "management",
    "chairman": "management",
    "admin": "management",
}

DEPARTMENTS: dict[str, tuple[str, str]] = {
    "sales": ("营销部", "Sales"),
    "finance": ("财务部", "Finance"),
    "customer_service": ("客服部", "Customer service"),
    "production": ("生产部", "Production"),
    "logistics": ("仓储物流部", "Logistics"),
    "service": ("服务部门", "Service"),
    "management": ("总经理办公室", "Management"),
}


# Demo people who hold no role of their own: what they are called instead.
DEMO_TITLES: dict[str, tuple[str, str]] = {
    # Heads the service department: service-quality complaints naming it reach them (no role needed).
    "service_owner": ("服务部门负责人", "Head of service"),
}

# Who heads each demo department (department key -> user name).
DEMO_HEADS: dict[str, str] = {
    "management": "general_manager",
    "sales": "sales_manager",
    "finance": "finance_director",
    "customer_service": "cs_director",
    "production": "production_manager",
    "logistics": "logistics_director",
    "service": "service_owner",
}


def role_names() -> dict[str, tuple[str, str]]:
    """Every role that exists now, key -> (Chinese name, English name); read once per request."""
    if has_request_context() and "_role_names" in g:
        return g._role_names
    names = {key: (zh, en) for key, zh, en in db.session.execute(db.select(Role.key, Role.name_zh, Role.name_en))}
    if has_request_context():
        g._role_names = names
    return names


def forget_role_names() -> None:
    """After a role is added or retired, this request's later reads see it."""
    if has_request_context():
        g.pop("_role_names", None)
