"""Diagrams with a signing step (会签 / 或签), written the way the modeler's properties panel writes them."""

from __future__ import annotations

HEAD = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
  xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
  xmlns:camunda="http://camunda.org/schema/1.0/bpmn"
  xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core" id="defs"
  targetNamespace="http://bpmn.io/schema/bpmn">
"""

CONDITIONS = {
    ("all", None, False): None,
    ("all", None, True): "nrOfRejected &gt; 0",
    ("share", 2, False): "nrOfApproved &gt;= 2 or nrOfRejected &gt; nrOfInstances - 2",
    ("share", 2, True): "nrOfApproved &gt;= 2 or nrOfRejected &gt; 0",
    ("any", None, False): "nrOfCompletedInstances &gt;= 1",
}


def signing_diagram(
    mode: str,
    *,
    share: int | None = None,
    reject_ends: bool = False,
    role: str | None = None,
    users: str | None = None,
    process_id: str = "purchase_signing",
    sequential: bool = False,
    condition: str | None = "auto",
) -> str:
    """The salesperson files, a signing step 'sign' (general manager's lane), then the finance director's 'pay'."""
    props = [("signing", mode)]
    if share is not None:
        props.append(("signShare", str(share)))
    if reject_ends:
        props.append(("rejectEnds", "true"))
    if role:
        props.append(("signersRole", role))
    if users:
        props.append(("signersUsers", users))
    properties = "".join(f'<spiffworkflow:property name="{n}" value="{v}" />' for n, v in props)
    if condition == "auto":
        condition = CONDITIONS.get((mode, share, reject_ends))
    completion = (
        f'<bpmn:completionCondition xsi:type="bpmn:tFormalExpression">{condition}</bpmn:completionCondition>'
        if condition
        else ""
    )
    seq = ' isSequential="true"' if sequential else ""
    return f"""{HEAD}<bpmn:process id="{process_id}" name="采购申请" isExecutable="true">
    <bpmn:laneSet id="lanes">
      <bpmn:lane id="lane_sales" name="salesperson"><bpmn:flowNodeRef>start</bpmn:flowNodeRef></bpmn:lane>
      <bpmn:lane id="lane_gm" name="general_manager"><bpmn:flowNodeRef>sign</bpmn:flowNodeRef></bpmn:lane>
      <bpmn:lane id="lane_fd" name="finance_director"><bpmn:flowNodeRef>pay</bpmn:flowNodeRef></bpmn:lane>
    </bpmn:laneSet>
    <bpmn:startEvent id="start" />
    <bpmn:sequenceFlow id="f0" sourceRef="start" targetRef="sign" />
    <bpmn:userTask id="sign" name="会签审批">
      <bpmn:extensionElements><spiffworkflow:properties>{properties}
        <spiffworkflow:property name="nameEn" value="Sign together" />
      </spiffworkflow:properties></bpmn:extensionElements>
      <bpmn:multiInstanceLoopCharacteristics{seq} camunda:collection="signers" camunda:elementVariable="signer">
        {completion}
      </bpmn:multiInstanceLoopCharacteristics>
    </bpmn:userTask>
    <bpmn:sequenceFlow id="f1" sourceRef="sign" targetRef="pay" />
    <bpmn:userTask id="pay" name="付款" />
    <bpmn:sequenceFlow id="f2" sourceRef="pay" targetRef="end" />
    <bpmn:endEvent id="end" />
  </bpmn:process></bpmn:definitions>"""
