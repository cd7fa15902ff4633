"""Adding and changing a customer's contacts from their file page."""

from __future__ import annotations

from flask import flash, redirect, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from ..services.common.errors import ValidationFailed
from ..services.credit import contacts as contact_service
from ..views import describe, run_action
from . import routes
from .blueprint import bp
from .forms import ContactForm


def _save(code: str, contact_id: int | None) -> Response | tuple[str, int]:
    form = ContactForm()
    if not form.validate_on_submit():
        flash(_("The form has expired; please try again"), "error")
        return redirect(url_for("customers.credit_file", code=code))
    values = {field: getattr(form, field).data for field in contact_service.FIELDS}
    try:
        run_action(
            lambda: contact_service.save(code, current_user, values, contact_id), _("Contact saved"), raise_invalid=True
        )
    except ValidationFailed as err:
        flash(describe(err), "error")  # nothing was saved: the file again, saying which field is wrong
        return routes.credit_file(code), 422
    return redirect(url_for("customers.credit_file", code=code, _anchor="contacts"))


@bp.route("/customers/<code>/contacts", methods=["POST"])
@login_required
def add_contact(code: str) -> Response | tuple[str, int]:
    return _save(code, None)


@bp.route("/customers/<code>/contacts/<int:contact_id>", methods=["POST"])
@login_required
def edit_contact(code: str, contact_id: int) -> Response | tuple[str, int]:
    return _save(code, contact_id)
