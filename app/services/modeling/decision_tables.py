"""Decision tables a process owner started in the browser: kept until the first process that calls
them is deployed (then that version freezes its own copy), and the check of their cells."""

from __future__ import annotations

from pathlib import Path

from flask import current_app

from ... import clock
from ...engine import check_expression as engine_check_expression
from ...engine import decision_ids
from ...extensions import db
from ...models import AuditEvent, DecisionTableFile, User
from ..common.wording import engine_reason, parsed, say

CELL_KINDS = ("inputEntry", "outputEntry", "inputExpression")


def _cell_problem(text: str) -> str | None:
    """Why a cell cannot be used, in the reader's language: an output or an expression must compile,
    an input entry may also be a test of the column's value ("> 10000")."""
    if not text.strip() or text.strip() == "-":
        return None
    if engine_check_expression(text) is None:
        return None
    reason = engine_check_expression(f"value {text}")
    return engine_reason(reason) if reason else None


def cell_problems(dmn_xml: dict[str, str]) -> list[tuple[str | None, str]]:
    """(element id, why) for every cell of these files that cannot be evaluated."""
    problems: list[tuple[str | None, str]] = []
    for name, xml in dmn_xml.items():
        for entry in parsed(xml, name).iter():
            if not isinstance(entry.tag, str) or entry.tag.rpartition("}")[2] not in CELL_KINDS:
                continue
            # A pretty-printed table (as dmn-js saves it) indents the text inside each entry.
            reason = _cell_problem("".join(entry.itertext()).strip())
            if reason:
                problems.append(
                    (
                        entry.get("id"),
                        say("decision table cell in %(file)s cannot be used: %(reason)s", file=name, reason=reason),
                    )
                )
    return problems


def saved_tables() -> dict[str, str]:
    """File name -> XML of every table saved before a process called it."""
    rows = db.session.execute(db.select(DecisionTableFile.name, DecisionTableFile.xml).order_by(DecisionTableFile.name))
    return {name: xml for name, xml in rows}


def folder_tables() -> list[Path]:
    return sorted(Path(current_app.config["BPMN_DIR"]).glob("*.dmn"))


def file_names() -> list[str]:
    """Every decision-table file the modeler opens: those shipped in bpmn/ and those saved here."""
    return sorted({p.name for p in folder_tables()} | set(saved_tables()))


def save(filename: str, xml: str, actor: User) -> DecisionTableFile:
    """Keep (or replace) a table no process calls yet; part of the caller's transaction."""
    row = db.session.scalars(db.select(DecisionTableFile).where(DecisionTableFile.name == filename)).first()
    now = clock.now()
    if row is None:
        row = DecisionTableFile(name=filename, xml=xml, saved_at=now, saved_by_id=actor.id)
        db.session.add(row)
    else:
        row.xml, row.saved_at, row.saved_by_id = xml, now, actor.id
    db.session.add(
        AuditEvent(
            at=now,
            actor_id=actor.id,
            action="decision_table_saved",
            subject=f"decision:{filename}",
            details={"decisions": decision_ids(parsed(xml, filename))},
        )
    )
    db.session.flush()
    return row
