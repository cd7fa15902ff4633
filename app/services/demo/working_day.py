"""A working day in the demo company, relative to the clock: credit applications at every step (one
late and escalated), complaints of several categories in several states, and a delegation.

Each piece goes through the ordinary use cases (start, complete, escalate, delegate), with the clock
set back while earlier events happen, so history, deadlines and lateness read as they would in life.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any

from flask import current_app

from ... import clock
from ...clock import FixedClock
from ...extensions import db
from ...models import HumanTask, ProcessInstance, User
from ..credit import demo_states as credit_states
from ..credit.review_demo import seed_reviews
from ..deadlines import escalation
from ..desk import delegation
from ..desk import tasks as task_service
from ..instances import lifecycle

# The demo's own customers, so that seeding twice is noticed and does nothing.
MARKER = "DEMO-"


@contextmanager
def _at(moment: datetime) -> Iterator[None]:
    """Run what follows as if it were `moment` (earlier steps of the day's work)."""
    extensions = current_app.extensions
    saved = extensions["clock"]
    extensions["clock"] = FixedClock(moment)
    try:
        yield
    finally:
        extensions["clock"] = saved


def _user(username: str) -> User:
    return db.session.scalars(db.select(User).where(User.username == username)).one()


def _open_task(instance: ProcessInstance) -> HumanTask:
    return db.session.scalars(
        db.select(HumanTask)
        .where(HumanTask.instance_id == instance.id, HumanTask.status == "open")
        .order_by(HumanTask.id)
    ).first()


def _decide(instance: ProcessInstance, username: str, data: dict[str, Any]) -> None:
    task_service.complete(_open_task(instance).id, _user(username), data)


def _application(code: str, name: str, **overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "customer_code": MARKER + code,
        "customer_name": name,
        "months_of_cooperation": 30,
        "avg_monthly_shipment": 260000.0,
        "avg_monthly_collection": 240000.0,
        "bad_record_24m": False,
        "lawful": True,
        "good_operation_2y": True,
        "strong_capital": True,
        "meets_annual_target": True,
        "key_data_complete": True,
        "c_conditions": [],
        "credit_type": "temporary",
        "requested_limit": 200000.0,
        "requested_term_days": 30,
        "collateral_value": 0.0,
        "other_matters": "走访客户仓库与财务部，近两年经营稳定，回款及时。",
    }
    data.update(overrides)
    return data


APPROVE = {"decision": "approve"}


def _credit(now: datetime) -> None:
    day = timedelta(days=1)
    sp, sp2 = _user("salesperson"), _user("salesperson2")
    with _at(now - timedelta(hours=2)):
        lifecycle.start("credit_application", sp, _application("C101", "华东精密机械有限公司"))
    with _at(now - day):
        at_fd = lifecycle.start("credit_application", sp, _application("C102", "江苏恒达建材有限公司"))
    with _at(now - timedelta(hours=20)):
        _decide(at_fd, "sales_manager", {**APPROVE, "comment": "客户合作两年半，回款稳定，同意。"})
    with _at(now - timedelta(hours=18)):
        _decide(at_fd, "sales_vp", {**APPROVE, "comment": "同意上报财务。"})
    with _at(now - 2 * day):
        at_gm = lifecycle.start("credit_application", sp2, _application("C103", "浙江瑞丰包装材料有限公司"))
    with _at(now - 2 * day + timedelta(hours=3)):
        _decide(at_gm, "sales_manager", {**APPROVE, "comment": "同意，额度按政策上限。"})
    with _at(now - 2 * day + timedelta(hours=5)):
        _decide(at_gm, "sales_vp", {**APPROVE, "comment": "同意。"})
    with _at(now - day + timedelta(hours=1)):
        _decide(at_gm, "finance_director", {**APPROVE, "comment": "应收余额正常，无逾期。"})
    with _at(now - 5 * day):
        done = lifecycle.start("credit_application", sp, _application("C104", "上海联拓贸易有限公司"))
    for hours, (who, opinion) in enumerate(
        [
            ("sales_manager", "同意。"),
            ("sales_vp", "同意。"),
            ("finance_director", "同意，核定额度 18 万元。"),
            ("general_manager", "同意。"),
        ]
    ):
        with _at(now - 4 * day + timedelta(hours=hours * 3)):
            extra = {"approved_limit": 180000.0} if who == "finance_director" else {}
            _decide(done, who, {**APPROVE, "comment": opinion, **extra})
    with _at(now - 3 * day):
        rejected = lifecycle.start("credit_application", sp2, _application("C105", "安徽聚源化工有限公司"))
    with _at(now - 3 * day + timedelta(hours=2)):
        _decide(rejected, "sales_manager", {**APPROVE, "comment": "同意上报。"})
    with _at(now - 3 * day + timedelta(hours=4)):
        _decide(rejected, "sales_vp", {**APPROVE, "comment": "同意上报。"})
    with _at(now - 2 * day):
        _decide(
            rejected, "finance_director", {"decision": "reject", "comment": "上年度应收账款逾期 60 天未清，暂不授信。"}
        )
    with _at(now - timedelta(hours=5)):
        returned = lifecycle.start("credit_application", sp2, _application("C106", "山东鲁信机电设备有限公司"))
    with _at(now - timedelta(hours=3)):
        _decide(returned, "sales_manager", {"decision": "return", "comment": "请补充近两年的财务报表和主要股东信息。"})
    # Filed a week ago and left lying with the sales manager: overdue, escalated to the sales VP.
    with _at(now - 7 * day):
        late = lifecycle.start("credit_application", sp, _application("C107", "福建闽兴纺织有限公司"))
    escalation.escalate(_open_task(late).id)


def _complaint(cs: User, when: datetime, **data: Any) -> ProcessInstance:
    base = {"channel": "phone", "region": "domestic", "amount_claimed": 0, "policy_misunderstanding": False}
    with _at(when):
        return lifecycle.start("complaint_handling", cs, {**base, **data})


def _complaints(now: datetime) -> None:
    cs = _user("cs_director")
    hour = timedelta(hours=1)
    _complaint(
        cs,
        now - 2 * hour,
        customer_code=MARKER + "C101",
        customer_name="华东精密机械有限公司",
        contact="采购部 李经理 13812345678",
        category="grievance",
        description="上周订单发货晚了三天，客户不满。",
    )
    memo = _complaint(
        cs,
        now - 26 * hour,
        customer_code=MARKER + "C104",
        customer_name="上海联拓贸易有限公司",
        contact="质量部 周工 13900001111",
        category="product_quality",
        amount_claimed=8000,
        description="第 2026-118 批次电机外壳开裂 12 台。",
    )
    with _at(now - 25 * hour):
        _decide(memo, "general_manager", {"transfer_decision": "approve", "comment": "同意转生产部处理。"})
    with _at(now - 24 * hour):
        _decide(memo, "production_manager", {"comment": "请营销部经理到现场调查。"})
    committee = _complaint(
        cs,
        now - 50 * hour,
        customer_code=MARKER + "C102",
        customer_name="江苏恒达建材有限公司",
        contact="仓库 陈主管 13700002222",
        category="product_quality",
        amount_claimed=3000,
        description="两箱密封条规格与订单不符。",
    )
    with _at(now - 49 * hour):
        _decide(committee, "general_manager", {"transfer_decision": "approve"})
    with _at(now - 48 * hour):
        _decide(committee, "production_manager", {"comment": "安排现场调查。"})
    with _at(now - 30 * hour):
        _decide(
            committee,
            "sales_manager",
            {"site_findings": "包装标签贴错，实物为上一规格。", "probable_cause": "仓库出库核对漏项"},
        )
    packaging = _complaint(
        cs,
        now - 3 * hour,
        customer_code=MARKER + "C103",
        customer_name="浙江瑞丰包装材料有限公司",
        contact="物流部 王先生 13600003333",
        category="appearance_packaging",
        amount_claimed=1500,
        description="到货外箱压损，部分产品表面划伤。",
    )
    with _at(now - 2 * hour):
        _decide(
            packaging, "general_manager", {"transfer_decision": "approve", "comment": "请仓储物流部按承运合同处理。"}
        )
    closed = _complaint(
        cs,
        now - 4 * 24 * hour,
        customer_code=MARKER + "C105",
        customer_name="安徽聚源化工有限公司",
        contact="办公室 赵女士 13500004444",
        category="service_quality",
        department="service",
        description="客服电话多次无人接听。",
    )
    with _at(now - 4 * 24 * hour + hour):
        _decide(closed, "general_manager", {"transfer_decision": "approve"})
    with _at(now - 3 * 24 * hour):
        _decide(closed, "service_owner", {"opinion": "已调整值班安排，增加一条客服热线。"})
    with _at(now - 2 * 24 * hour):
        _decide(
            closed,
            "cs_director",
            {"reply": "已致电客户说明整改措施并致歉。", "outcome": "accepted", "satisfaction": "satisfied"},
        )
    suggestion = _complaint(
        cs,
        now - 28 * hour,
        customer_code=MARKER + "C106",
        customer_name="山东鲁信机电设备有限公司",
        contact="总经办 孙总 13400005555",
        category="suggestion",
        description="建议提供电子对账单，按月推送。",
    )
    with _at(now - 27 * hour):
        _decide(suggestion, "cs_director", {"valuable": True, "comment": "有价值，转营销副总研究。"})


def seed_working_day() -> bool:
    """Create the day's work once; False when the demo already has it."""
    if db.session.scalars(db.select(ProcessInstance.id).where(ProcessInstance.business_key.like(MARKER + "%"))).first():
        return False
    now = clock.now()
    _credit(now)
    credit_states.seed(now)  # the credit file after the grant: over limit, renewal, expiry, allowance
    seed_reviews(now)
    _complaints(now)
    delegation.create(
        _user("finance_director"),
        "credit_controller",
        (now + timedelta(days=7)).isoformat(),
        (now + timedelta(days=11)).isoformat(),
        "外出参加年度审计会议，期间授信审批由信用控制主管代办。",
    )
    return True
