"""Changes waiting for a second person's approval: the list, the review page with the diagram and
decision-table differences, and the decision."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from ..models import DeploymentProposal
from ..services.common.errors import DomainError
from ..services.modeling import proposals
from .access import reviewer_required
from .blueprint import bp


def proposal_view(proposal: DeploymentProposal) -> dict[str, Any]:
    """A proposal as the modeler answers a deployment that waits for approval."""
    return {**proposals.summary(proposal), "url": url_for("modeler.proposal", proposal_id=proposal.id)}


@bp.get("/modeler/proposals")
@reviewer_required
def proposal_list() -> str:
    return render_template("modeler/proposals.html", proposals=proposals.listing())


@bp.get("/modeler/proposals/<int:proposal_id>")
@reviewer_required
def proposal(proposal_id: int) -> str:
    found = proposals.get(proposal_id)
    return render_template(
        "modeler/proposal.html",
        proposal=found,
        changes=proposals.review(found),
        my_task=proposals.open_task_for(found, current_user),
        outdated=proposals.outdated(found) if found.state == "pending" else [],
    )


@bp.get("/modeler/proposals/<int:proposal_id>/diagrams/<int:index>")
@reviewer_required
def proposal_diagram(proposal_id: int, index: int) -> Response:
    """One process's proposed diagram and its current one, with what to mark on each."""
    found = proposals.get(proposal_id)
    if index >= len(found.plan):
        abort(404)
    return jsonify(proposals.diagram_pair(found, index))


@bp.post("/modeler/proposals/<int:proposal_id>/decision")
@reviewer_required
def proposal_decision(proposal_id: int) -> Response:
    decision = request.form.get("decision", "")
    try:
        decided = proposals.decide(proposal_id, current_user, decision, request.form.get("comment", ""))
    except DomainError as err:
        flash(err.message, "error")
        return redirect(url_for("modeler.proposal", proposal_id=proposal_id))
    if decided.state == "approved":
        flash(_("Approved: the change is now current"), "info")
    else:
        flash(_("Rejected: the current version stays"), "info")
    return redirect(url_for("modeler.proposal", proposal_id=proposal_id))
