"""Camunda 7's variable mappings run with Camunda's meaning: input and output parameters on
tasks, and business rule tasks with `decisionRef`, `resultVariable` and `mapDecisionResult`,
also against decision files holding several decisions, one requiring another."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from app.engine import DiagramError, EngineError, ProcessRuntime, build_bundle

from .camunda_diagrams import diagram, one_task

NOW = datetime(2026, 11, 23, 1, 0, tzinfo=UTC)


def start(xml: str, data: dict | None = None, dmn: dict | None = None) -> ProcessRuntime:
    return ProcessRuntime.start(build_bundle(xml, dmn or {}), dict(data or {}), now=lambda: NOW)


def io_diagram(parameters: str) -> str:
    return diagram(f"""
    <bpmn:startEvent id="start" />
    <bpmn:sequenceFlow id="f0" sourceRef="start" targetRef="work" />
    <bpmn:userTask id="work" name="Work" camunda:assignee="${{reviewer}}">
      <bpmn:extensionElements><camunda:inputOutput>{parameters}</camunda:inputOutput></bpmn:extensionElements>
    </bpmn:userTask>
    <bpmn:sequenceFlow id="f1" sourceRef="work" targetRef="check" />
    {one_task("check")}
    """)


def test_input_parameters_are_set_before_the_task_opens_and_outputs_after_it_ends() -> None:
    xml = io_diagram("""
        <camunda:inputParameter name="reviewer">${owner}</camunda:inputParameter>
        <camunda:inputParameter name="limitText">limit ${loanAmount * 2}</camunda:inputParameter>
        <camunda:inputParameter name="label">Plain words</camunda:inputParameter>
        <camunda:inputParameter name="steps"><camunda:list><camunda:value>a</camunda:value>
          <camunda:value>${loanAmount}</camunda:value></camunda:list></camunda:inputParameter>
        <camunda:inputParameter name="facts"><camunda:map><camunda:entry key="amount">${loanAmount}</camunda:entry>
          </camunda:map></camunda:inputParameter>
        <camunda:inputParameter name="nothing" />
        <camunda:outputParameter name="approvedAmount">${loanAmount &gt; 100 ? 100 : loanAmount}
        </camunda:outputParameter>
    """)
    runtime = start(xml, {"owner": "sales_manager", "loanAmount": 150})
    [task] = runtime.ready_tasks()
    assert task.extensions.get("assignee") == "${reviewer}"
    assert task.data["reviewer"] == "sales_manager"
    assert task.data["limitText"] == "limit 300"
    assert task.data["label"] == "Plain words"
    assert task.data["steps"] == ["a", 150]
    assert task.data["facts"] == {"amount": 150}
    assert task.data["nothing"] is None
    assert "approvedAmount" not in task.data
    runtime.complete(task.id, {})
    [after] = runtime.ready_tasks()
    assert after.bpmn_id == "check"
    assert after.data["approvedAmount"] == 100


@pytest.mark.parametrize(
    ("parameters", "words"),
    [
        ('<camunda:inputParameter name="x">${execution.getVariable("a")}</camunda:inputParameter>', "execution"),
        (
            '<camunda:inputParameter name="x"><camunda:script scriptFormat="groovy">1</camunda:script>'
            "</camunda:inputParameter>",
            "camunda:script",
        ),
        ('<camunda:inputParameter name="not a name">1</camunda:inputParameter>', "not a variable name"),
    ],
)
def test_parameters_outside_what_runs_here_are_refused_naming_the_task(parameters: str, words: str) -> None:
    with pytest.raises(DiagramError) as caught:
        build_bundle(io_diagram(parameters), {})
    assert [element for element, _ in caught.value.problems] == ["work"]
    assert words in caught.value.problems[0][1]


TWO_DECISIONS = """<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="https://www.omg.org/spec/DMN/20191111/MODEL/" id="loan_defs" name="Loan"
  namespace="http://camunda.org/schema/1.0/dmn">
  <decision id="risk" name="Risk">
    <decisionTable id="risk_table" hitPolicy="UNIQUE">
      <input id="risk_in"><inputExpression id="risk_in_e" typeRef="number"><text>loanAmount</text></inputExpression>
      </input>
      <output id="risk_out" name="riskLevel" typeRef="string" />
      <rule id="r_low"><inputEntry id="r_low_in"><text>&lt; 10000</text></inputEntry>
        <outputEntry id="r_low_out"><text>"low"</text></outputEntry></rule>
      <rule id="r_high"><inputEntry id="r_high_in"><text>&gt;= 10000</text></inputEntry>
        <outputEntry id="r_high_out"><text>"high"</text></outputEntry></rule>
    </decisionTable>
  </decision>
  <decision id="approvers" name="Approvers">
    <informationRequirement id="req"><requiredDecision href="#risk" /></informationRequirement>
    <decisionTable id="approvers_table" hitPolicy="COLLECT">
      <input id="a_in"><inputExpression id="a_in_e" typeRef="string"><text>riskLevel</text></inputExpression>
      </input>
      <output id="a_out" name="group" typeRef="string" />
      <output id="a_out2" name="order" typeRef="number" />
      <rule id="a1"><inputEntry id="a1_in"><text></text></inputEntry>
        <outputEntry id="a1_o"><text>"sales_manager"</text></outputEntry><outputEntry id="a1_o2"><text>1</text>
        </outputEntry></rule>
      <rule id="a2"><inputEntry id="a2_in"><text>"high"</text></inputEntry>
        <outputEntry id="a2_o"><text>"general_manager"</text></outputEntry><outputEntry id="a2_o2"><text>2</text>
        </outputEntry></rule>
    </decisionTable>
  </decision>
</definitions>
"""


def rule_task(attributes: str) -> str:
    return diagram(f"""
    <bpmn:startEvent id="start" />
    <bpmn:sequenceFlow id="f0" sourceRef="start" targetRef="decide" />
    <bpmn:businessRuleTask id="decide" {attributes} />
    <bpmn:sequenceFlow id="f1" sourceRef="decide" targetRef="review" />
    {one_task("review")}
    """)


def decided(attributes: str, amount: int) -> dict:
    runtime = start(rule_task(attributes), {"loanAmount": amount}, {"loan.dmn": TWO_DECISIONS})
    return runtime.ready_tasks()[0].data


def test_decision_ref_picks_its_decision_from_a_file_holding_several() -> None:
    assert decided('camunda:decisionRef="risk"', 500)["riskLevel"] == "low"
    assert decided('camunda:decisionRef="risk"', 50000)["riskLevel"] == "high"


def test_a_decision_sees_the_outputs_of_the_decisions_it_requires() -> None:
    data = decided('camunda:decisionRef="approvers" camunda:resultVariable="chain"', 50000)
    assert data["chain"] == [{"group": "sales_manager", "order": 1}, {"group": "general_manager", "order": 2}]
    assert "riskLevel" not in data  # the required decision's outputs feed the decision, not the process
    assert decided('camunda:decisionRef="approvers" camunda:resultVariable="chain"', 5)["chain"] == [
        {"group": "sales_manager", "order": 1}
    ]


@pytest.mark.parametrize(
    ("attributes", "amount", "expected"),
    [
        ('camunda:decisionRef="risk" camunda:resultVariable="r"', 5, [{"riskLevel": "low"}]),
        (
            'camunda:decisionRef="risk" camunda:resultVariable="r" camunda:mapDecisionResult="resultList"',
            5,
            [{"riskLevel": "low"}],
        ),
        (
            'camunda:decisionRef="risk" camunda:resultVariable="r" camunda:mapDecisionResult="singleResult"',
            5,
            {"riskLevel": "low"},
        ),
        (
            'camunda:decisionRef="risk" camunda:resultVariable="r" camunda:mapDecisionResult="singleEntry"',
            50000,
            "high",
        ),
        (
            'camunda:decisionRef="risk" camunda:resultVariable="r" camunda:mapDecisionResult="collectEntries"',
            5,
            ["low"],
        ),
    ],
)
def test_result_variable_holds_the_result_shaped_as_map_decision_result_says(
    attributes: str, amount: int, expected: object
) -> None:
    data = decided(attributes, amount)
    assert data["r"] == expected
    assert "riskLevel" not in data


def test_a_result_that_does_not_fit_its_mapping_stops_the_instance_naming_the_task() -> None:
    with pytest.raises(EngineError) as caught:
        decided(
            'camunda:decisionRef="approvers" camunda:resultVariable="r" camunda:mapDecisionResult="singleEntry"', 50000
        )
    assert "decide" in str(caught.value) or "Decide" in str(caught.value)
    assert "singleEntry" in str(caught.value)


def test_an_unknown_mapping_is_refused_at_deploy() -> None:
    with pytest.raises(DiagramError) as caught:
        build_bundle(
            rule_task('camunda:decisionRef="risk" camunda:resultVariable="r" camunda:mapDecisionResult="firstOnly"'),
            {"loan.dmn": TWO_DECISIONS},
        )
    assert caught.value.problems[0][0] == "decide"
