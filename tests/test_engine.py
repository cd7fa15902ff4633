"""The engine wrapper on the real credit diagram, without HTTP or a database."""

from __future__ import annotations

import json

import pytest

from app.engine import DiagramError, EngineError, ExpressionError, ProcessRuntime, SpecBundle, build_bundle, evaluate
from app.engine.scripting import check_expression, check_script

from .support import BPMN, Recorder, application, credit_bundle


@pytest.fixture(scope="module")
def bundle() -> SpecBundle:
    return credit_bundle()


def test_ready_task_carries_lane_and_form(bundle) -> None:
    runtime = ProcessRuntime.start(bundle, application(), Recorder())
    [task] = runtime.ready_tasks()
    assert (task.bpmn_id, task.lane, task.form_key) == ("review_sales_manager", "sales_manager", "credit_review")


def test_chain_of_three_approvals_records_the_decision(bundle) -> None:
    recorder = Recorder()
    runtime = ProcessRuntime.start(bundle, application(), recorder)
    lanes = []
    for _ in range(4):
        state = runtime.dump()
        runtime = ProcessRuntime.load(bundle, state, recorder)
        [task] = runtime.ready_tasks()
        lanes.append(task.lane)
        runtime.complete(task.id, {"decision": "approve", "comment": "ok"})
    assert lanes == ["sales_manager", "sales_vp", "finance_director", "general_manager"]
    assert runtime.completed
    name, data = recorder.calls[-1]
    assert name == "record_credit_decision"
    assert (data["decision"], data["approved_limit"], data["approved_term_days"]) == ("approve", 80000.0, 30)


def test_stored_state_does_not_repeat_the_spec(bundle) -> None:
    runtime = ProcessRuntime.start(bundle, application(), Recorder())
    state = json.loads(runtime.dump())
    assert "spec" not in state and "subprocess_specs" not in state
    assert len(runtime.dump()) < 12000


def test_return_goes_to_the_filer_then_back_to_the_sales_manager(bundle) -> None:
    runtime = ProcessRuntime.start(bundle, application(), Recorder())
    runtime.complete(runtime.ready_tasks()[0].id, {"decision": "return", "comment": "补充资料"})
    [correction] = runtime.ready_tasks()
    assert (correction.bpmn_id, correction.extensions["assignee"]) == ("correct_application", "filed_by")
    runtime.complete(correction.id, application(requested_limit=50000.0))
    [again] = runtime.ready_tasks()
    assert again.bpmn_id == "review_sales_manager"
    assert runtime.data()["approved_limit"] == 50000.0


def test_rejection_ends_with_the_reason(bundle) -> None:
    recorder = Recorder()
    runtime = ProcessRuntime.start(bundle, application(), recorder)
    runtime.complete(runtime.ready_tasks()[0].id, {"decision": "approve", "comment": "ok"})
    runtime.complete(runtime.ready_tasks()[0].id, {"decision": "reject", "comment": "应收账款过高"})
    assert runtime.completed and runtime.ready_tasks() == []
    data = recorder.calls[-1][1]
    assert (data["decision"], data["rejection_reason"], data["approved_limit"]) == ("reject", "应收账款过高", 0)


@pytest.mark.parametrize(
    "expression",
    [
        "__import__('os').system('true')",
        "().__class__.__base__.__subclasses__()",
        "open('/etc/passwd').read()",
        "getattr(1, '__class__')",
        "'{0.__class__}'.format(1)",
        "eval('1')",
    ],
)
def test_forbidden_expressions_fail_with_a_clear_error(expression: str) -> None:
    with pytest.raises(ExpressionError) as err:
        evaluate(expression, {})
    assert err.value.message


def test_forbidden_expression_in_a_gateway_stops_the_step(bundle) -> None:
    xml = (BPMN / "credit_application.bpmn").read_text(encoding="utf-8")
    evil = xml.replace("eligible == True", "().__class__.__base__.__subclasses__()")
    dmn = {name: (BPMN / name).read_bytes() for name in ("credit_grade.dmn", "credit_policy.dmn")}
    evil_bundle = build_bundle(evil, dmn)
    with pytest.raises(EngineError, match="__class__"):
        ProcessRuntime.start(evil_bundle, application(), Recorder())


def test_import_in_a_script_is_refused_at_check_time() -> None:
    assert check_script("import os\nos.system('true')") is not None
    assert check_expression("__import__('os')") is not None
    assert check_expression("min(a, b) if c else 0") is None


def test_scripts_may_compute_with_the_allowed_helpers() -> None:
    from app.engine.scripting import RestrictedEnvironment

    context = {"requested_limit": 120.0, "limit_cap": 100.0}
    RestrictedEnvironment().execute("approved_limit = min(requested_limit, limit_cap)", context)
    assert context["approved_limit"] == 100.0


def test_doctype_is_refused() -> None:
    xml = '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>'
    with pytest.raises(DiagramError, match="DOCTYPE"):
        build_bundle(xml, {})


def test_a_diagram_without_an_executable_process_is_refused() -> None:
    xml = (
        (BPMN / "credit_application.bpmn")
        .read_text(encoding="utf-8")
        .replace('isExecutable="true"', 'isExecutable="false"')
    )
    with pytest.raises(DiagramError, match="executable"):
        build_bundle(xml, {})
