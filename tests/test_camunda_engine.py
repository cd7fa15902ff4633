"""Camunda 7 diagrams run here with Camunda's meaning: JUEL expressions, timers as Camunda writes
them, drawing-only elements and plain tasks. Driven through the engine wrapper the services use."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from app.engine import DiagramError, ProcessRuntime, build_bundle
from app.engine.juel import JuelRefused, to_python
from app.engine.scripting import evaluate

from .camunda_diagrams import diagram, one_task

NOW = datetime(2026, 11, 23, 1, 0, tzinfo=UTC)  # 09:00 in Shanghai, a Monday


def start(xml: str, data: dict | None = None, now: datetime = NOW) -> ProcessRuntime:
    return ProcessRuntime.start(build_bundle(xml, {}), dict(data or {}), now=lambda: now)


def ready(runtime: ProcessRuntime) -> list[str]:
    return sorted(t.bpmn_id for t in runtime.ready_tasks())


GATEWAY = """
    <bpmn:startEvent id="start" />
    <bpmn:sequenceFlow id="f0" sourceRef="start" targetRef="gw" />
    <bpmn:exclusiveGateway id="gw" />
    <bpmn:sequenceFlow id="big" sourceRef="gw" targetRef="director">
      <bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">CONDITION</bpmn:conditionExpression>
    </bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="small" sourceRef="gw" targetRef="clerk">
      <bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">OTHERWISE</bpmn:conditionExpression>
    </bpmn:sequenceFlow>
    <bpmn:userTask id="director" name="Director" />
    <bpmn:userTask id="clerk" name="Clerk" />
    <bpmn:sequenceFlow id="f3" sourceRef="director" targetRef="end" />
    <bpmn:sequenceFlow id="f4" sourceRef="clerk" targetRef="end" />
    <bpmn:endEvent id="end" />
"""


def gateway(condition: str, otherwise: str) -> str:
    body = GATEWAY.replace("CONDITION", condition).replace("OTHERWISE", otherwise)
    return diagram(body)


@pytest.mark.parametrize(
    ("condition", "otherwise", "data", "expected"),
    [
        ("${amount &gt; 1000}", "${amount &lt;= 1000}", {"amount": 5000}, "director"),
        ("${amount &gt; 1000}", "${amount &lt;= 1000}", {"amount": 1000}, "clerk"),
        ("${amount gt 1000 and !urgent}", "${amount le 1000 or urgent}", {"amount": 2000, "urgent": False}, "director"),
        ("${amount gt 1000 and not urgent}", "${amount le 1000 || urgent}", {"amount": 2000, "urgent": True}, "clerk"),
        ("${empty comment}", "${!empty comment}", {"comment": ""}, "director"),
        ("${empty comment}", "${not empty comment}", {"comment": "fine"}, "clerk"),
        ("${applicant.country == 'CN'}", "${applicant.country ne 'CN'}", {"applicant": {"country": "CN"}}, "director"),
        ("${(amount * 2 + 1) / 2 mod 7 == 3.5}", "${true}", {"amount": 10}, "director"),
        (
            "${approved ? amount &gt; 10 : false}",
            "${approved eq false || amount le 10}",
            {"approved": True, "amount": 11},
            "director",
        ),
        (
            '${region == "north" &amp;&amp; items[0].qty &gt;= 3}',
            "${false}",
            {"region": "north", "items": [{"qty": 3}]},
            "director",
        ),
        # Python-style conditions keep working.
        ("amount &gt; 1000", "amount &lt;= 1000", {"amount": 5000}, "director"),
    ],
)
def test_juel_conditions_route_like_camunda(condition: str, otherwise: str, data: dict, expected: str) -> None:
    assert ready(start(gateway(condition, otherwise), data)) == [expected]


@pytest.mark.parametrize(
    ("expression", "reason"),
    [
        ('${execution.getVariable("amount") &gt; 5}', "'execution' is Camunda's Java engine object"),
        ("${invoiceService.isValid(invoice)}", "calls a method on a Java object"),
        ("${fn:length(items) &gt; 0}", "unexpected ':'"),
        ("${amount &gt; 5", "never closed"),
    ],
)
def test_juel_outside_the_subset_is_refused_naming_the_flow(expression: str, reason: str) -> None:
    with pytest.raises(DiagramError) as refused:
        build_bundle(gateway(expression, "${true}"), {})
    assert refused.value.problems[0][0] == "big"
    assert reason in refused.value.problems[0][1]


def test_translated_expressions_run_in_the_restricted_evaluator() -> None:
    # A JUEL string literal cannot smuggle Python: it stays a string.
    assert evaluate(to_python("${'__import__(\"os\")'}"), {}) == '__import__("os")'
    with pytest.raises(JuelRefused):
        to_python("${__class__}")
    assert evaluate(to_python("Dear ${name}, ${amount * 2}"), {"name": "Li", "amount": 2}) == "Dear Li, 4"


def test_drawing_only_elements_are_accepted_and_a_plain_task_passes_through() -> None:
    body = """
    <bpmn:dataStoreReference id="ledger_ref" dataStoreRef="ledger" name="Ledger" />
    <bpmn:dataObjectReference id="invoice_ref" dataObjectRef="invoice_doc" name="Invoice" />
    <bpmn:dataObject id="invoice_doc" />
    <bpmn:startEvent id="start" />
    <bpmn:sequenceFlow id="f0" sourceRef="start" targetRef="note" />
    <bpmn:task id="note" name="Note&#10;it&#10;down">
      <bpmn:dataOutputAssociation id="out1"><bpmn:targetRef>ledger_ref</bpmn:targetRef></bpmn:dataOutputAssociation>
    </bpmn:task>
    <bpmn:sequenceFlow id="f1" sourceRef="note" targetRef="review" />
    <bpmn:userTask id="review" name="Prepare&#10;Bank&#10;Transfer">
      <bpmn:dataInputAssociation id="in1"><bpmn:sourceRef>invoice_ref</bpmn:sourceRef></bpmn:dataInputAssociation>
    </bpmn:userTask>
    <bpmn:sequenceFlow id="f2" sourceRef="review" targetRef="end" />
    <bpmn:endEvent id="end" />
    <bpmn:textAnnotation id="memo"><bpmn:text>Ask finance first</bpmn:text></bpmn:textAnnotation>
    <bpmn:association id="a1" sourceRef="review" targetRef="memo" />
    <bpmn:group id="g1" categoryValueRef="cv1" />
    """
    extra = (
        '<bpmn:dataStore id="ledger" name="Financial Accounting System" />'
        '<bpmn:category id="c1"><bpmn:categoryValue id="cv1" value="Finance" /></bpmn:category>'
    )
    runtime = start(diagram(body, outside=extra), {"amount": 1})
    tasks = runtime.ready_tasks()
    assert [(t.bpmn_id, t.name) for t in tasks] == [("review", "Prepare Bank Transfer")]
    assert "note" in runtime.completed_element_ids()


def _timer_fire(xml: str, data: dict | None = None) -> datetime:
    timers = start(xml, data).pending_timers()
    assert len(timers) == 1, timers
    return timers[0].fire_at


def catch(kind: str, text: str) -> str:
    return diagram(f"""
    <bpmn:startEvent id="start" />
    <bpmn:sequenceFlow id="f0" sourceRef="start" targetRef="wait" />
    <bpmn:intermediateCatchEvent id="wait">
      <bpmn:timerEventDefinition id="t"><bpmn:{kind} xsi:type="bpmn:tFormalExpression">{text}</bpmn:{kind}>
      </bpmn:timerEventDefinition>
    </bpmn:intermediateCatchEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="wait" targetRef="review" />
    {one_task("review")}
    """)


@pytest.mark.parametrize(
    ("kind", "text", "fire"),
    [
        ("timeDuration", "PT1M", NOW + timedelta(minutes=1)),
        ("timeDuration", "P2DT3H", NOW + timedelta(days=2, hours=3)),
        ("timeDuration", "${wait}", NOW + timedelta(hours=5)),
        ("timeDuration", '"PT1M"', NOW + timedelta(minutes=1)),
        ("timeDate", "2026-12-01T09:00:00+08:00", datetime(2026, 12, 1, 1, 0, tzinfo=UTC)),
        ("timeDate", "2026-12-01T01:00:00Z", datetime(2026, 12, 1, 1, 0, tzinfo=UTC)),
        ("timeCycle", "R3/PT10M", NOW + timedelta(minutes=10)),
        ("timeCycle", "R/2026-11-24T00:00:00Z/P1D", datetime(2026, 11, 24, tzinfo=UTC)),
        # Camunda's cron: seconds first; 1 = Sunday. Read in UTC when no company time is offered.
        ("timeCycle", "0 30 4 * * ?", datetime(2026, 11, 23, 4, 30, tzinfo=UTC)),
        ("timeCycle", "0 0 2 ? * 1", datetime(2026, 11, 29, 2, 0, tzinfo=UTC)),
        ("timeCycle", "0 0/15 * * * ?", datetime(2026, 11, 23, 1, 15, tzinfo=UTC)),
        ("timeCycle", "0 0 0 L * ?", datetime(2026, 11, 30, tzinfo=UTC)),
    ],
)
def test_intermediate_timers_read_camunda_timer_texts(kind: str, text: str, fire: datetime) -> None:
    assert _timer_fire(catch(kind, text), {"wait": "PT5H"}) == fire


def test_a_cron_cycle_fires_and_comes_back_at_its_next_match() -> None:
    xml = diagram(f"""
    <bpmn:startEvent id="start" />
    <bpmn:sequenceFlow id="f0" sourceRef="start" targetRef="review" />
    {one_task("review")}
    <bpmn:boundaryEvent id="remind" attachedToRef="review" cancelActivity="false">
      <bpmn:timerEventDefinition id="t"><bpmn:timeCycle>0 0 1 * * ?</bpmn:timeCycle></bpmn:timerEventDefinition>
    </bpmn:boundaryEvent>
    <bpmn:sequenceFlow id="f9" sourceRef="remind" targetRef="nudge" />
    <bpmn:userTask id="nudge" name="Nudge" />
    <bpmn:sequenceFlow id="f10" sourceRef="nudge" targetRef="end2" />
    <bpmn:endEvent id="end2" />
    """)
    runtime = start(xml)
    assert [t.fire_at for t in runtime.pending_timers()] == [datetime(2026, 11, 24, 1, tzinfo=UTC)]
    runtime.now = lambda: datetime(2026, 11, 24, 1, 0, 1, tzinfo=UTC)
    runtime.refresh_timers()
    assert ready(runtime) == ["nudge", "review"]
    assert [t.fire_at for t in runtime.pending_timers()] == [datetime(2026, 11, 25, 1, tzinfo=UTC)]


def test_a_boundary_duration_timer_guards_its_task() -> None:
    xml = diagram(f"""
    <bpmn:startEvent id="start" />
    <bpmn:sequenceFlow id="f0" sourceRef="start" targetRef="review" />
    {one_task("review")}
    <bpmn:boundaryEvent id="late" attachedToRef="review">
      <bpmn:timerEventDefinition id="t"><bpmn:timeDuration>PT1M</bpmn:timeDuration></bpmn:timerEventDefinition>
    </bpmn:boundaryEvent>
    <bpmn:sequenceFlow id="f9" sourceRef="late" targetRef="end2" />
    <bpmn:endEvent id="end2" />
    """)
    runtime = start(xml)
    (timer,) = runtime.pending_timers()
    assert timer.fire_at == NOW + timedelta(minutes=1)
    assert timer.guards_task_id == runtime.ready_tasks()[0].id


@pytest.mark.parametrize(
    ("text", "reason"),
    [("0 0 9 ? * 6L", "'L' and '#'"), ("${execution.getProcessInstanceId()}", "Java engine object")],
)
def test_unreadable_timer_texts_are_refused_naming_the_event(text: str, reason: str) -> None:
    with pytest.raises(DiagramError) as refused:
        build_bundle(catch("timeCycle", text), {})
    assert refused.value.problems[0][0] == "wait"
    assert reason in refused.value.problems[0][1]


def test_multi_instance_over_a_camunda_collection() -> None:
    xml = diagram("""
    <bpmn:startEvent id="start" />
    <bpmn:sequenceFlow id="f0" sourceRef="start" targetRef="vote" />
    <bpmn:userTask id="vote" name="Vote">
      <bpmn:multiInstanceLoopCharacteristics camunda:collection="${approvers}" camunda:elementVariable="approver" />
    </bpmn:userTask>
    <bpmn:sequenceFlow id="f1" sourceRef="vote" targetRef="end" />
    <bpmn:endEvent id="end" />
    """)
    tasks = start(xml, {"approvers": ["finance_director", "general_manager"]}).ready_tasks()
    assert sorted(t.data["approver"] for t in tasks) == ["finance_director", "general_manager"]


APPROVER_DMN = """<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="https://www.omg.org/spec/DMN/20191111/MODEL/" id="approver_defs" name="Approver"
  namespace="http://camunda.org/schema/1.0/dmn">
  <decision id="approver" name="Approver">
    <decisionTable id="approver_table" hitPolicy="UNIQUE">
      <input id="in_amount" label="Amount"><inputExpression id="in_amount_expr" typeRef="number">
        <text>amount</text></inputExpression></input>
      <output id="out_group" name="approverGroup" typeRef="string" />
      <rule id="small"><inputEntry id="small_in"><text>&lt;= 1000</text></inputEntry>
        <outputEntry id="small_out"><text>"finance_director"</text></outputEntry></rule>
      <rule id="big"><inputEntry id="big_in"><text>&gt; 1000</text></inputEntry>
        <outputEntry id="big_out"><text>"general_manager"</text></outputEntry></rule>
    </decisionTable>
  </decision>
</definitions>
"""


def test_a_business_rule_task_calls_the_decision_its_camunda_decision_ref_names() -> None:
    xml = diagram(f"""
    <bpmn:startEvent id="start" />
    <bpmn:sequenceFlow id="f0" sourceRef="start" targetRef="decide" />
    <bpmn:businessRuleTask id="decide" camunda:decisionRef="approver" />
    <bpmn:sequenceFlow id="f1" sourceRef="decide" targetRef="review" />
    {one_task("review", 'camunda:candidateGroups="${{approverGroup}}"')}
    """)
    bundle = build_bundle(xml, {"approver.dmn": APPROVER_DMN})
    for amount, group in ((500, "finance_director"), (5000, "general_manager")):
        runtime = ProcessRuntime.start(bundle, {"amount": amount}, now=lambda: NOW)
        assert runtime.ready_tasks()[0].data["approverGroup"] == group


def test_files_in_the_old_activiti_namespace_read_as_camunda_reads_them() -> None:
    xml = diagram("""
    <bpmn:startEvent id="start" />
    <bpmn:sequenceFlow id="f0" sourceRef="start" targetRef="vote" />
    <bpmn:userTask id="vote" name="Vote" camunda:candidateGroups="general_manager">
      <bpmn:multiInstanceLoopCharacteristics camunda:collection="${approvers}" camunda:elementVariable="approver" />
    </bpmn:userTask>
    <bpmn:sequenceFlow id="f1" sourceRef="vote" targetRef="end" />
    <bpmn:endEvent id="end" />
    """).replace("http://camunda.org/schema/1.0/bpmn", "http://activiti.org/bpmn")
    tasks = start(xml, {"approvers": ["a", "b"]}).ready_tasks()
    assert sorted(t.data["approver"] for t in tasks) == ["a", "b"]
    assert tasks[0].extensions["candidate_roles"] == "general_manager"
    assert tasks[0].extensions["drawn_for_camunda"] is True
