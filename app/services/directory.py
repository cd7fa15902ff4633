"""The company's roles and the demo org chart, as domain.md describes them."""

from __future__ import annotations

ROLES: dict[str, tuple[str, str]] = {
    "salesperson": ("业务员", "Salesperson"),
    "sales_manager": ("营销部经理", "Sales manager"),
    "finance_director": ("财务总监", "Finance director"),
    "general_manager": ("总经理", "General manager"),
    "sales_vp": ("营销副总", "Sales VP"),
    "cs_director": ("客服主任", "Customer service director"),
    "production_manager": ("生产部经理", "Production manager"),
    "logistics_director": ("仓储物流主任", "Logistics director"),
    "service_owner": ("系统负责人", "Service owner"),
    "credit_controller": ("信用控制主管", "Credit controller"),
    "process_owner": ("流程负责人", "Process owner"),
    "admin": ("系统管理员", "Administrator"),
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
    "general_manager": None,
    "admin": None,
}

# Roles whose work needs the customer credit files (第三篇 五: confidentiality).
CREDIT_FILE_ROLES = frozenset({"sales_manager", "finance_director", "general_manager", "sales_vp", "credit_controller"})
