"""The yearly customer satisfaction survey (000 §6): started in its month, sent to the customers with
contacts on file, analysed, approved by the general manager, and each corrective action followed up."""

from __future__ import annotations

from datetime import datetime

from flask import Flask

from app.extensions import db
from app.models import ProcessInstance, SatisfactionSurvey

from .conftest import PASSWORD
from .support import ApiUser
from .test_complaints import started
from .test_escalation import tick

ANSWERS = {"responses": 12, "service_quality_score": 4.2, "price_score": 3.1, "company_score": 4.0, "answers": "报价慢"}


def survey_task(user: ApiUser, name: str) -> dict:
    [task] = [t for t in user.tasks() if t["process_key"] == "satisfaction_survey" and t["name"] == name]
    return task


def complete(user: ApiUser, task: dict, data: dict) -> None:
    done = user.post(f"/api/v1/tasks/{task['id']}/complete", {"data": data})
    assert done.status_code == 200, done.json


def test_the_survey_starts_in_its_month_and_each_corrective_action_is_followed_up(app: Flask) -> None:
    clock = app.extensions["clock"]
    api = app.test_client()
    cs, gm = ApiUser(api, "cs_director", PASSWORD), ApiUser(api, "general_manager", PASSWORD)
    manager, vp = ApiUser(api, "sales_manager", PASSWORD), ApiUser(api, "sales_vp", PASSWORD)
    clock.set(datetime.fromisoformat("2026-10-20T09:00:00+08:00"))
    started(cs)  # 华南五金, with its contact
    tick(app, "2026-10-31T09:00:00+08:00")
    assert db.session.scalar(db.select(db.func.count(SatisfactionSurvey.id))) == 0  # not its month
    clock.set(datetime.fromisoformat("2026-11-02T09:00:00+08:00"))
    tick(app, "2026-11-02T09:00:00+08:00")
    tick(app, "2026-11-02T09:05:00+08:00")
    survey = db.session.scalars(db.select(SatisfactionSurvey)).one()  # once a year
    assert [(r["customer_name"], r["contact"]) for r in survey.recipients] == [("华南五金", "王经理 13800000000")]
    send = survey_task(cs, "发出满意度调查")
    assert "2026" in send["title"] and send["due_at"] == "2026-11-09T18:00:00+08:00"
    complete(cs, send, {"sent_count": 1})
    complete(cs, survey_task(cs, "记录调查回复"), ANSWERS)
    actions = "sales_manager | 报价答复缩短到1个工作日 | 2026-11-20\nnobody | 改进包装说明 |"
    complete(cs, survey_task(cs, "撰写满意度分析"), {"analysis": "价格满意度偏低", "corrective_actions": actions})
    approval = survey_task(gm, "批准满意度分析")
    refused = gm.post(f"/api/v1/tasks/{approval['id']}/complete", {"data": {"analysis_decision": "revise"}})
    assert refused.status_code == 422 and "approval_comment" in refused.json["errors"]
    complete(gm, approval, {"analysis_decision": "approve"})
    [pricing] = [t for t in manager.tasks() if t["process_key"] == "satisfaction_survey"]
    assert pricing["due_at"] == "2026-11-20T18:00:00+08:00" and "报价答复缩短" in pricing["title"]
    [packaging] = [t for t in cs.tasks() if t["process_key"] == "satisfaction_survey"]  # nobody by that name
    assert packaging["due_at"] == "2026-11-16T18:00:00+08:00"  # SURVEY_ACTION_DEADLINE, 10 working days
    tick(app, "2026-11-20T18:01:00+08:00")
    [urge] = [t for t in vp.tasks() if t["name"] == "督办"]  # followed up: the owner's supervisor
    assert "报价答复缩短" in urge["title"]
    complete(manager, pricing, {"action_outcome": "报价流程已改为当日答复"})
    complete(cs, packaging, {"action_outcome": "包装说明已更新"})
    db.session.expire_all()
    survey = db.session.scalars(db.select(SatisfactionSurvey)).one()
    assert survey.closed_at is not None and survey.approved_at is not None
    assert survey.scores["price"] == 3.1
    assert {a["text"]: a["outcome"] for a in survey.actions} == {
        "报价答复缩短到1个工作日": "报价流程已改为当日答复",
        "改进包装说明": "包装说明已更新",
    }
    assert db.session.get(ProcessInstance, survey.instance_id).status == "completed"
    tick(app, "2026-11-30T09:00:00+08:00")
    assert db.session.scalar(db.select(db.func.count(SatisfactionSurvey.id))) == 1


def test_the_survey_month_is_a_setting(app: Flask) -> None:
    app.config["SURVEY_MONTH"] = 12
    tick(app, "2026-11-24T09:00:00+08:00")
    assert db.session.scalar(db.select(db.func.count(SatisfactionSurvey.id))) == 0
    tick(app, "2026-12-01T09:00:00+08:00")
    assert db.session.scalars(db.select(SatisfactionSurvey)).one().year == 2026
