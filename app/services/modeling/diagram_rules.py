"""Checks read straight from the BPMN XML, before (and besides) what the engine's parser says.

Each rule explains the problem in a process owner's words and names the element, so the
modeler page can point at it.
"""

from __future__ import annotations

from lxml import etree

from ...extensions import db
from ...models import Role, User, user_roles
from ..common.wording import say
from ..people.directory import role_names

BPMN = "{http://www.omg.org/spec/BPMN/20100524/MODEL}"
_SPLITTING_GATEWAYS = (f"{BPMN}exclusiveGateway", f"{BPMN}inclusiveGateway")
_WORK = (f"{BPMN}userTask", f"{BPMN}manualTask")


def not_executable(root: etree._Element) -> list[tuple[str | None, str]]:
    processes = list(root.iter(f"{BPMN}process"))
    if not processes:
        return [(None, say("this file holds no process this app can run (no <process> element)"))]
    if any(p.get("isExecutable", "false").lower() == "true" for p in processes):
        return []
    return [
        (
            p.get("id"),
            say(
                "this process is a drawing only: it is not marked executable, so it can be viewed "
                "but not deployed (tick 'Executable' on the process to run it)"
            ),
        )
        for p in processes
    ]


def unconditional_gateway_flows(root: etree._Element) -> list[tuple[str | None, str]]:
    flows = {f.get("id"): f for f in root.iter(f"{BPMN}sequenceFlow")}
    problems = []
    for gateway in root.iter(*_SPLITTING_GATEWAYS):
        outgoing = [f for f in flows.values() if f.get("sourceRef") == gateway.get("id")]
        if len(outgoing) < 2:
            continue
        for flow in outgoing:
            if flow.get("id") == gateway.get("default"):
                continue
            if flow.find(f"{BPMN}conditionExpression") is None:
                label = gateway.get("name") or gateway.get("id")
                problems.append(
                    (
                        flow.get("id"),
                        say(
                            "this path out of the decision '%(gateway)s' has no condition: give it one, "
                            "or make it the gateway's default path",
                            gateway=label,
                        ),
                    )
                )
    return problems


def _held_roles() -> set[str] | None:
    """Roles at least one active person holds; None on a fresh install that has no people yet."""
    if db.session.scalar(db.select(User.id).limit(1)) is None:
        return None
    return set(
        db.session.scalars(
            db.select(Role.key)
            .join(user_roles, user_roles.c.role_id == Role.id)
            .join(User, User.id == user_roles.c.user_id)
            .where(User.active.is_(True))
            .distinct()
        )
    )


def lanes_without_people(root: etree._Element) -> list[tuple[str | None, str]]:
    """A lane whose role nobody holds would leave its tasks in no one's inbox."""
    held = _held_roles()
    work_ids = {node.get("id") for node in root.iter(*_WORK)}
    problems = []
    for lane in root.iter(f"{BPMN}lane"):
        refs = {(ref.text or "").strip() for ref in lane.findall(f"{BPMN}flowNodeRef")}
        if not refs & work_ids:
            continue
        role = (lane.get("name") or "").strip()
        if role not in role_names():
            problems.append(
                (
                    lane.get("id"),
                    say(
                        "the lane's name '%(role)s' is not a role of this company: name the lane after a role",
                        role=role,
                    ),
                )
            )
        elif held is not None and role not in held:
            problems.append(
                (lane.get("id"), say("nobody holds the role '%(role)s', so its tasks would reach no one", role=role))
            )
    return problems
