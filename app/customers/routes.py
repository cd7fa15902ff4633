from __future__ import annotations

from flask import render_template
from flask_login import current_user, login_required

from ..services.audit import trail
from ..services.credit import credit_file as customer_service
from .blueprint import bp


@bp.route("/customers")
@login_required
def index() -> str:
    return render_template("customers/index.html", customers=customer_service.list_customers(current_user))


@bp.route("/customers/<code>")
@login_required
def credit_file(code: str) -> str:
    customer = customer_service.read_credit_file(code, current_user)
    readers = trail.file_readers(current_user, code)
    return render_template("customers/credit_file.html", customer=customer, readers=readers)
