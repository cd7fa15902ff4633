"""The engine's signing steps: 会签 (all, or a share), 或签 (any one), a rejection that ends it."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from app.engine import EngineError, ProcessRuntime, build_bundle
from app.engine.signing import SigningRule

from .signing_diagrams import signing_diagram

NOW = datetime(2026, 11, 23, 1, 0, tzinfo=UTC)
PEOPLE = {"board": ["wang", "li", "zhao"]}


def lookup(role: str | None, users: tuple[str, ...]) -> list[str]:
    return list(PEOPLE.get(role or "", [])) if role else [u for u in users if u != "ghost"]


def start(xml: str) -> ProcessRuntime:
    return ProcessRuntime.start(build_bundle(xml, {}), {}, now=lambda: NOW, signers=lookup)


def signers(runtime: ProcessRuntime) -> dict[str, str]:
    return {t.data["signer"]: t.id for t in runtime.ready_tasks() if t.bpmn_id == "sign"}


def decide(runtime: ProcessRuntime, who: str, decision: str) -> None:
    runtime.complete(signers(runtime)[who], {"decision": decision, "comment": f"{who} says {decision}"})


def test_every_member_of_the_role_gets_their_own_task_assigned_to_them() -> None:
    runtime = start(signing_diagram("all", role="board"))
    ready = runtime.ready_tasks()
    assert sorted(t.data["signer"] for t in ready) == ["li", "wang", "zhao"]
    assert {t.extensions["assignee"] for t in ready} == {"signer"}


def test_all_sign_goes_on_only_when_everyone_approved() -> None:
    runtime = start(signing_diagram("all", role="board"))
    decide(runtime, "wang", "approve")
    decide(runtime, "li", "approve")
    assert sorted(signers(runtime)) == ["zhao"]
    decide(runtime, "zhao", "approve")
    assert [t.bpmn_id for t in runtime.ready_tasks()] == ["pay"]
    data = runtime.ready_tasks()[0].data
    assert data["decision"] == "approve"
    assert data["signing_result"] == {
        "mode": "all",
        "signers": 3,
        "approved": 3,
        "rejected": 0,
        "needed": 3,
        "decision": "approve",
    }
    assert "signer" not in data and "signers" not in data


def test_all_sign_without_reject_ends_waits_for_everyone_and_then_rejects() -> None:
    runtime = start(signing_diagram("all", role="board"))
    decide(runtime, "wang", "reject")
    assert sorted(signers(runtime)) == ["li", "zhao"]
    decide(runtime, "li", "approve")
    decide(runtime, "zhao", "approve")
    assert runtime.ready_tasks()[0].data["decision"] == "reject"


def test_a_rejection_ends_it_at_once_when_so_configured() -> None:
    runtime = start(signing_diagram("all", role="board", reject_ends=True))
    decide(runtime, "li", "reject")
    ready = runtime.ready_tasks()
    assert [t.bpmn_id for t in ready] == ["pay"]
    assert ready[0].data["signing_result"]["rejected"] == 1
    assert ready[0].data["decision"] == "reject"


def test_two_of_three_goes_on_at_the_second_approval() -> None:
    runtime = start(signing_diagram("share", share=2, users="wang,li,zhao"))
    decide(runtime, "zhao", "approve")
    assert len(signers(runtime)) == 2
    decide(runtime, "wang", "approve")
    ready = runtime.ready_tasks()
    assert [t.bpmn_id for t in ready] == ["pay"]
    assert ready[0].data["decision"] == "approve"


def test_two_of_three_ends_rejected_once_two_can_no_longer_approve() -> None:
    runtime = start(signing_diagram("share", share=2, users="wang,li,zhao"))
    decide(runtime, "wang", "reject")
    assert len(signers(runtime)) == 2
    decide(runtime, "li", "reject")
    assert runtime.ready_tasks()[0].data["decision"] == "reject"


def test_any_one_decides_with_the_first_decision() -> None:
    runtime = start(signing_diagram("any", role="board"))
    decide(runtime, "li", "approve")
    ready = runtime.ready_tasks()
    assert [t.bpmn_id for t in ready] == ["pay"]
    assert ready[0].data["signing_result"]["approved"] == 1


def test_any_one_rejecting_rejects() -> None:
    runtime = start(signing_diagram("any", role="board"))
    decide(runtime, "zhao", "reject")
    assert runtime.ready_tasks()[0].data["decision"] == "reject"


def test_signers_one_after_another() -> None:
    runtime = start(signing_diagram("all", users="wang,li", sequential=True))
    assert list(signers(runtime)) == ["wang"]
    decide(runtime, "wang", "approve")
    assert list(signers(runtime)) == ["li"]
    decide(runtime, "li", "approve")
    assert runtime.ready_tasks()[0].data["decision"] == "approve"


def test_the_state_round_trips_mid_signing() -> None:
    xml = signing_diagram("share", share=2, role="board")
    bundle = build_bundle(xml, {})
    runtime = ProcessRuntime.start(bundle, {}, now=lambda: NOW, signers=lookup)
    decide(runtime, "wang", "approve")
    again = ProcessRuntime.load(bundle, runtime.dump(), now=lambda: NOW, signers=lookup)
    decide(again, "li", "approve")
    assert again.ready_tasks()[0].data["decision"] == "approve"


def test_the_signing_outcome_is_readable_for_the_host() -> None:
    runtime = start(signing_diagram("share", share=2, role="board"))
    first = signers(runtime)["wang"]
    runtime.complete(first, {"decision": "approve"})
    assert runtime.signing(first) == {"finished": False}
    second = signers(runtime)["li"]
    runtime.complete(second, {"decision": "approve"})
    assert runtime.signing(second)["decision"] == "approve"
    assert runtime.signing(runtime.ready_tasks()[0].id) is None


def test_a_role_with_nobody_in_it_stops_the_step_instead_of_passing_it() -> None:
    with pytest.raises(EngineError, match="nobody can sign"):
        start(signing_diagram("all", role="empty_role"))


@pytest.mark.parametrize(
    ("props", "condition"),
    [
        ({"signing": "all"}, None),
        ({"signing": "all", "rejectEnds": "true"}, "nrOfRejected > 0"),
        ({"signing": "share", "signShare": "2"}, "nrOfApproved >= 2 or nrOfRejected > nrOfInstances - 2"),
        ({"signing": "any"}, "nrOfCompletedInstances >= 1"),
        ({"signing": "bogus"}, "-"),
    ],
)
def test_each_rule_has_one_completion_condition(props: dict, condition: str | None) -> None:
    rule = SigningRule.of(props)
    if condition == "-":
        assert rule is None
    else:
        assert rule is not None and rule.condition() == condition
