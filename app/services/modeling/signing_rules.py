"""What the check says about a user task several people sign (会签, 或签): its rule in plain words as a
note, and as problems whatever would stop it from running as drawn."""

from __future__ import annotations

import re

from lxml import etree

from ...engine import SigningRule
from ...extensions import db
from ...i18n import current_locale
from ...models import User
from ..common.wording import say
from ..instances.signing_rows import signer_names
from ..people.directory import role_names

BPMN = "{http://www.omg.org/spec/BPMN/20100524/MODEL}"
SPIFF = "{http://spiffworkflow.org/bpmn/schema/1.0/core}"
CAMUNDA = "{http://camunda.org/schema/1.0/bpmn}"
_TASKS = (f"{BPMN}userTask", f"{BPMN}manualTask")


def _properties(node: etree._Element) -> dict[str, str]:
    return {
        p.get("name"): p.get("value") or ""
        for p in node.iterfind(f"{BPMN}extensionElements/{SPIFF}properties/{SPIFF}property")
        if p.get("name")
    }


def _signing_tasks(root: etree._Element) -> list[tuple[etree._Element, dict[str, str], SigningRule | None]]:
    found = []
    for node in root.iter(*_TASKS):
        props = _properties(node)
        if props.get("signing"):
            found.append((node, props, SigningRule.of(props)))
    return found


def _same(a: str | None, b: str | None) -> bool:
    def plain(text: str | None) -> str:
        return re.sub(r"\s+", " ", text or "").strip()

    return plain(a) == plain(b)


def problems(root: etree._Element) -> list[tuple[str | None, str]]:
    """A signing rule that cannot run as drawn, named on its task."""
    found: list[tuple[str | None, str]] = []
    for node, props, rule in _signing_tasks(root):
        element = node.get("id")
        loop = node.find(f"{BPMN}multiInstanceLoopCharacteristics")
        if rule is None:
            found.append(
                (element, say("the signing rule '%(mode)s' is unknown: use all, share or any", mode=props["signing"]))
            )
            continue
        if loop is None:
            found.append(
                (
                    element,
                    say(
                        "a task signed by several people needs its multi-instance loop: "
                        "set the signing again in the properties panel"
                    ),
                )
            )
            continue
        if rule.mode == "share" and (rule.share is None or rule.share < 1):
            found.append((element, say("say how many signers must approve (a whole number, at least 1)")))
            continue
        if rule.mode == "share" and rule.users and rule.share and rule.share > len(rule.users):
            found.append(
                (
                    element,
                    say(
                        "%(share)s approvals are needed but only %(count)s people are listed",
                        share=rule.share,
                        count=len(rule.users),
                    ),
                )
            )
        if rule.role and rule.role not in role_names():
            found.append((element, say("the signers' role '%(role)s' is not a role of this company", role=rule.role)))
        if rule.users:
            known = set(db.session.scalars(db.select(User.username).where(User.username.in_(rule.users))))
            unknown = [u for u in rule.users if u not in known]
            if unknown:
                found.append((element, say("no such user among the signers: %(names)s", names=", ".join(unknown))))
        if not (
            rule.role
            or rule.users
            or loop.get(f"{CAMUNDA}collection")
            or loop.find(f"{BPMN}loopDataInputRef") is not None
        ):
            found.append((element, say("say who signs: a role, a list of people, or a variable holding a list")))
        condition = loop.find(f"{BPMN}completionCondition")
        written = condition.text if condition is not None else None
        if not _same(written, rule.condition()):
            found.append(
                (
                    element,
                    say(
                        "the completion condition does not say the signing rule (it should be: %(expected)s): "
                        "set the signing again in the properties panel",
                        expected=rule.condition() or say("no condition"),
                    ),
                )
            )
    return found


def _who(rule: SigningRule, loop: etree._Element | None) -> str:
    if rule.role:
        count = len(signer_names(rule.role, ()))
        zh, en = role_names().get(rule.role, (rule.role, rule.role))
        name = zh if current_locale() == "zh_CN" else en
        return say("the role %(role)s (%(count)s people today)", role=name, count=count)
    if rule.users:
        return ", ".join(rule.users)
    variable = loop.get(f"{CAMUNDA}collection") if loop is not None else None
    return say("the people listed in %(variable)s", variable=variable or "?")


def notes(root: etree._Element) -> list[tuple[str | None, str]]:
    """Each signing task's rule, said the way a process owner would say it."""
    found: list[tuple[str | None, str]] = []
    for node, _props, rule in _signing_tasks(root):
        if rule is None:
            continue
        loop = node.find(f"{BPMN}multiInstanceLoopCharacteristics")
        who = _who(rule, loop)
        if rule.mode == "all":
            text = say("co-signing (会签): every one of %(who)s must approve", who=who)
        elif rule.mode == "share":
            text = say(
                "co-signing (会签): at least %(share)s of %(who)s must approve", share=rule.share or "?", who=who
            )
        else:
            text = say(
                "any one signs (或签): the first of %(who)s to decide, approve or reject, decides the step", who=who
            )
        if rule.reject_ends and rule.mode != "any":
            text += say("; one rejection ends it at once")
        if loop is not None and loop.get("isSequential") == "true":
            text += say("; one after another, in turn")
        found.append((node.get("id"), text))
    return found
