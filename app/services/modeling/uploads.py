"""What an upload is and what it is called: a BPMN diagram or a DMN decision-table file, read from its root."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from lxml import etree

from ...engine import DiagramError, decision_ids
from ...engine.parsing import BPMN_NS, DMN_NAMESPACES, executable_process_ids
from ...models import DecisionTableFile, User
from ..common.errors import Forbidden
from ..common.transactions import transactional
from ..common.wording import parsed, say
from . import decision_tables
from .deployment import DeployResult, deploy_diagram, deployed_dmn, dmn_for, keys_using, redeploy_users_of
from .specs import latest_version


def document_kind(xml: str, filename: str = "upload") -> str:
    """'bpmn' or 'dmn', read from the root element's namespace; anything else is refused."""
    root = parsed(xml, filename)
    namespace = etree.QName(root).namespace or ""
    if namespace == BPMN_NS and etree.QName(root).localname == "definitions":
        return "bpmn"
    if namespace in DMN_NAMESPACES and etree.QName(root).localname == "definitions":
        return "dmn"
    raise DiagramError([(None, say("%(file)s is neither a BPMN nor a DMN document", file=filename))])


def upload_name(kind: str, xml: str) -> str:
    """The file name for an upload sent without one, so it replaces the file it is a new edition of.

    A decision table takes the name of the deployed file holding the same decision (that file is what
    the decision-table editor and the diff read); a diagram takes the name its process was deployed under.
    """
    root = parsed(xml)
    if kind == "dmn":
        decisions = decision_ids(root)
        known = deployed_dmn() if decisions else {}
        for decision in decisions:
            if decision in known:
                return known[decision][0]
        return f"{decisions[0]}.dmn"[:200] if decisions else "upload.dmn"
    for key in executable_process_ids(root):
        latest = latest_version(key)
        return latest.source_name if latest is not None else f"{key}.bpmn"[:200]
    return "upload.bpmn"


def deploy_upload(filename: str | None, xml: str, actor: User, extra: dict | None = None) -> list[DeployResult]:
    """A BPMN or DMN upload deployed; a DMN file redeploys every process that uses it. Part of the
    caller's transaction (see proposals.submit, which decides whether it needs approval first)."""
    kind = document_kind(xml, filename or "upload")
    name = filename or upload_name(kind, xml)
    if kind == "dmn":
        return redeploy_users_of(name, xml, actor, extra=extra)
    return [deploy_diagram(name, xml, dmn_for(xml, name), actor, extra)]


@transactional
def save_new_table(filename: str, xml: str, actor: User) -> DecisionTableFile | None:
    """A decision table no deployed process calls yet, kept so the first diagram calling it can be deployed.

    Nothing runs differently until that diagram is deployed (and approved, where approval is on), so a
    new table needs no approval of its own. None for anything else: a diagram, or a table in use."""
    if not actor.has_role("process_owner"):
        raise Forbidden(_l("only a process owner may deploy diagrams"))
    if document_kind(xml, filename) != "dmn":
        return None
    decisions = set(decision_ids(parsed(xml, filename)))
    if not decisions or keys_using(decisions):
        return None
    problems = decision_tables.cell_problems({filename: xml})
    if problems:
        raise DiagramError(problems)
    return decision_tables.save(filename, xml, actor)
