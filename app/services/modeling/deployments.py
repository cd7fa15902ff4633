"""Deploying several files at once: diagrams, the decision tables they call and the forms they use.

A new process usually arrives as a diagram, a decision table and a form or two, each of which
refers to the others; deployed one by one, each would be refused for want of the others. Here they
are checked and deployed together in one transaction: forms first, then the diagrams with the
uploaded tables in place of the deployed ones, then the already deployed processes that use an
uploaded table. A call activity may call a process uploaded with it. One problem anywhere refuses
the whole deployment, with each problem's file named.
"""

from __future__ import annotations

import json
from pathlib import PurePosixPath

from flask_babel import lazy_gettext as _l

from ...engine import DiagramError, decision_ids, decision_refs
from ...models import User
from ..common.errors import DomainError, Forbidden, ValidationFailed
from ..common.transactions import transactional
from ..common.wording import parsed, say
from . import calls, form_versions
from .deployment import DeployResult, deploy_diagram, dmn_for, redeploy_users_of
from .uploads import document_kind

MAX_FILES = 50

FileProblem = tuple[str, str | None, str]  # (file, element id, message)


class DeploymentRefused(DomainError):
    """Some files of a deployment have problems; nothing was deployed."""

    status = 422

    def __init__(self, problems: list[FileProblem]) -> None:
        super().__init__(_l("the deployment has problems; nothing was deployed"))
        self.problems = problems


def _form_key(filename: str, text: str) -> str:
    """A Camunda form (.form) is known by its id, as `camunda:formRef` names it; a JSON form by its file name."""
    if filename.lower().endswith(".form"):
        try:
            declared = json.loads(text).get("id")
        except (json.JSONDecodeError, AttributeError):
            declared = None
        if isinstance(declared, str) and declared.strip():
            return declared.strip().lower()
    return PurePosixPath(filename).stem.lower()


def _lower_id(filename: str, text: str) -> str:
    """The .form's id as the key it is saved under (form keys are lower case)."""
    if not filename.lower().endswith(".form"):
        return text
    try:
        raw = json.loads(text)
    except json.JSONDecodeError:
        return text
    if isinstance(raw, dict) and isinstance(raw.get("id"), str):
        raw["id"] = raw["id"].strip().lower()
        return json.dumps(raw, ensure_ascii=False)
    return text


@transactional
def deploy_files(files: list[tuple[str, str]], actor: User) -> list[DeployResult]:
    """Deploy (file name, text) pairs together, all or nothing, current at once (no approval)."""
    if not actor.has_role("process_owner"):
        raise Forbidden(_l("only a process owner may deploy diagrams"))
    return deploy_files_now(files, actor)


def deploy_files_now(files: list[tuple[str, str]], actor: User, extra: dict | None = None) -> list[DeployResult]:
    """Deploy (file name, text) pairs together; part of the caller's transaction."""
    problems: list[FileProblem] = []
    forms: list[tuple[str, str]] = []
    diagrams: list[tuple[str, str]] = []
    tables: dict[str, str] = {}
    for name, text in files:
        if name.lower().endswith(".json"):
            forms.append((name, text))
            continue
        if name.lower().endswith(".form"):
            forms.append((name, text))
            continue
        try:
            kind = document_kind(text, name)
        except DiagramError as err:
            problems.extend((name, el, msg) for el, msg in err.problems)
            continue
        if kind == "dmn":
            tables[name] = text
        else:
            diagrams.append((name, text))
    if problems:
        raise DeploymentRefused(problems)

    for name, text in forms:
        try:
            form_versions.save_version(_form_key(name, text), _lower_id(name, text), actor)
        except ValidationFailed as err:
            problems.extend((name, None, msg) for messages in err.errors.values() for msg in messages)

    decisions = {name: set(decision_ids(parsed(xml, name))) for name, xml in tables.items()}
    pending = calls.pending_processes(diagrams)
    results: list[DeployResult] = []
    deployed_keys: set[str] = set()
    used_tables: set[str] = set()
    for name, xml in diagrams:
        refs = decision_refs(parsed(xml, name))
        dmn = {n: x for n, x in dmn_for(xml, name).items() if not refs & decisions.get(n, set())}
        for table, held in decisions.items():
            if refs & held:
                # An uploaded table replaces any deployed file holding the same decisions.
                dmn = {n: x for n, x in dmn.items() if not set(decision_ids(parsed(x, n))) & held}
                dmn[table] = tables[table]
                used_tables.add(table)
        try:
            result = deploy_diagram(name, xml, dmn, actor, extra, pending=pending)
        except DiagramError as err:
            problems.extend((name, el, msg) for el, msg in err.problems)
            continue
        results.append(result)
        deployed_keys.add(result.process_key)
    for table, xml in tables.items():
        try:
            again = redeploy_users_of(table, xml, actor, skip=deployed_keys, extra=extra)
        except DiagramError as err:
            problems.extend((table, el, msg) for el, msg in err.problems)
            continue
        if not again and table not in used_tables:
            problems.append((table, None, say("no deployed process uses the decisions in %(file)s", file=table)))
        results.extend(again)
    if problems:
        raise DeploymentRefused(problems)
    return results
