"""Call activities that call a process drawn in another file.

A called process is found in the same deployment first, else among the deployed processes: its
newest version, or the version pinned Camunda's way (`camunda:calledElementBinding="version"` with
`camunda:calledElementVersion`). Which diagram that was is frozen into the caller's version when it is
deployed, so a running instance keeps calling what it started with; deploying the caller again picks
up a newer called version.
"""

from __future__ import annotations

from collections.abc import Mapping

from ...engine import DiagramError, called_elements, process_ids
from ...extensions import db
from ...models import ProcessVersion
from ..common.wording import parsed, say
from .specs import latest_version

# process id -> (file name, XML) of the diagrams deployed together with the caller
Pending = Mapping[str, tuple[str, str]]


def pending_processes(diagrams: list[tuple[str, str]]) -> dict[str, tuple[str, str]]:
    """Every process drawn in the files of one deployment, by id."""
    found: dict[str, tuple[str, str]] = {}
    for name, xml in diagrams:
        try:
            for process_id in process_ids(parsed(xml, name)):
                found.setdefault(process_id, (name, xml))
        except DiagramError:
            continue  # the file's own check names what is wrong with it
    return found


def _version(process_key: str, number: int) -> ProcessVersion | None:
    return db.session.scalars(
        db.select(ProcessVersion).where(ProcessVersion.process_key == process_key, ProcessVersion.version == number)
    ).first()


def called_documents(
    bpmn_xml: str, filename: str, pending: Pending | None = None
) -> tuple[dict[str, str], list[tuple[str | None, str]]]:
    """The diagrams this one's call activities need from other files (by a file name of their own),
    and a problem for each call that finds no process."""
    try:
        root = parsed(bpmn_xml, filename)
    except DiagramError:
        return {}, []
    own = set(process_ids(root))
    documents: dict[str, str] = {}
    problems: list[tuple[str | None, str]] = []
    for element, called, pinned in called_elements(root):
        if called in own:
            continue
        if pinned == -1:
            problems.append((element, say("the called version (calledElementVersion) must be a whole number")))
            continue
        if pinned is None and pending and called in pending:
            name, xml = pending[called]
            documents[name] = xml
            continue
        version = _version(called, pinned) if pinned is not None else latest_version(called)
        if version is None:
            if pinned is not None and latest_version(called) is not None:
                problems.append(
                    (element, say("process %(key)s has no version %(version)s", key=called, version=pinned))
                )
            else:
                problems.append(
                    (
                        element,
                        say("calls process '%(key)s', which is neither in this deployment nor deployed", key=called),
                    )
                )
            continue
        documents.update(version.called_bpmn or {})
        documents[f"{called}.v{version.version}.bpmn"] = version.bpmn_xml
    documents.pop(filename, None)
    return documents, problems
