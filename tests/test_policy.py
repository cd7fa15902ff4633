"""The credit policy tables (credit_grade.dmn, credit_policy.dmn) as the engine applies them.

One test per row of the grade rules and of the limit table in domain.md, plus the edges.
"""

from __future__ import annotations

from typing import Any

import pytest

from app.engine import ProcessRuntime, SpecBundle

from .support import Recorder, application, credit_bundle


@pytest.fixture(scope="module")
def bundle() -> SpecBundle:
    return credit_bundle()


def test_articles_match_the_policy_text(bundle) -> None:
    """C is 第十六条, B 第十七条, and a new customer is never A by 第十八条."""
    assert "第十六条" in assess(bundle, bad_record_24m=True)[0]["grade_reason"]
    assert "第十六条" in assess(bundle, c_conditions=["weak_capital"])[0]["grade_reason"]
    reason = assess(bundle, months_of_cooperation=0, collateral_value=1.0)[0]["grade_reason"]
    assert "第十七条" in reason and "第十八条" in reason


def assess(
    bundle,
    current_limit: float | None = None,
    has_prior_credit: bool = True,
    settled: bool = True,
    **facts: Any,
) -> tuple[dict[str, Any], list]:
    recorder = Recorder(current_limit, has_prior_credit=has_prior_credit, settled=settled)
    runtime = ProcessRuntime.start(bundle, application(**facts), recorder)
    return runtime.data(), runtime.ready_tasks()


def test_grade_a_when_every_a_condition_holds(bundle) -> None:
    data, tasks = assess(bundle)
    assert data["grade"] == "A" and len(tasks) == 1


def test_grade_c_for_a_bad_record_in_24_months_rejected_at_once(bundle) -> None:
    data, tasks = assess(bundle, bad_record_24m=True)
    assert data["grade"] == "C"
    assert tasks == []
    assert data["decision"] == "reject"
    assert "第二十八条" in data["rejection_reason"]


def test_grade_c_for_any_listed_c_condition(bundle) -> None:
    data, tasks = assess(bundle, c_conditions=["accounts_freeze_risk"])
    assert (data["grade"], data["eligible"], tasks) == ("C", False, [])


@pytest.mark.parametrize(
    "missing",
    ["lawful", "good_operation_2y", "strong_capital", "meets_annual_target", "key_data_complete"],
)
def test_grade_b_when_one_a_condition_fails(bundle, missing: str) -> None:
    data, _ = assess(bundle, collateral_value=50000.0, **{missing: False})
    assert data["grade"] == "B"


def test_eleven_months_is_not_a_but_twelve_is(bundle) -> None:
    assert assess(bundle, months_of_cooperation=11, collateral_value=1.0)[0]["grade"] == "B"
    assert assess(bundle, months_of_cooperation=12)[0]["grade"] == "A"


def test_a_new_customer_is_never_a(bundle) -> None:
    assert assess(bundle, months_of_cooperation=0, collateral_value=1.0)[0]["grade"] == "B"


def test_previous_credit_not_settled_gets_nothing_new(bundle) -> None:
    data, tasks = assess(bundle, settled=False)
    assert tasks == [] and data["decision"] == "reject"
    assert "第三十五条" in data["rejection_reason"]
    # A balance finance recorded stops new credit even for a customer who never had a limit (第三十四条).
    data, tasks = assess(bundle, has_prior_credit=False, settled=False, credit_type="temporary")
    assert tasks == [] and "第三十五条" in data["rejection_reason"]


def test_a_without_earlier_credit_may_not_get_long_term_credit(bundle) -> None:
    data, tasks = assess(bundle, has_prior_credit=False, credit_type="long_term")
    assert tasks == [] and data["eligible"] is False
    assert "临时授信" in data["policy_reason"]


def test_a_without_earlier_credit_temporary_is_capped_by_collection_and_one_month(bundle) -> None:
    data, tasks = assess(bundle, has_prior_credit=False, credit_type="temporary", requested_limit=500000.0)
    assert len(tasks) == 1
    assert (data["limit_cap"], data["term_cap_days"], data["approved_limit"]) == (80000.0, 30, 80000.0)


def test_a_with_earlier_credit_is_capped_by_the_lower_average(bundle) -> None:
    data, _ = assess(bundle, avg_monthly_shipment=60000.0, avg_monthly_collection=80000.0)
    assert (data["limit_cap"], data["term_cap_days"]) == (60000.0, 30)


def test_a_keeps_a_lower_current_limit(bundle) -> None:
    data, _ = assess(bundle, current_limit=30000.0)
    assert data["limit_cap"] == 30000.0


def test_b_with_a_current_limit_never_gets_more_than_it(bundle) -> None:
    data, _ = assess(bundle, current_limit=15000.0, lawful=False, collateral_value=20000.0)
    assert (data["grade"], data["limit_cap"]) == ("B", 15000.0)
    data, _ = assess(bundle, current_limit=None, lawful=False, collateral_value=20000.0)
    assert data["limit_cap"] == 20000.0


def test_b_without_collateral_is_rejected_at_once(bundle) -> None:
    data, tasks = assess(bundle, lawful=False, collateral_value=0.0)
    assert (data["grade"], tasks, data["decision"]) == ("B", [], "reject")
    assert "抵押" in data["rejection_reason"]


def test_b_long_term_with_collateral_below_the_averages_is_capped_by_the_collateral(bundle) -> None:
    data, tasks = assess(bundle, lawful=False, collateral_value=20000.0, credit_type="long_term")
    assert len(tasks) == 1
    assert (data["limit_cap"], data["term_cap_days"]) == (20000.0, 30)


def test_b_temporary_with_collateral_gets_at_most_15_days(bundle) -> None:
    data, _ = assess(bundle, lawful=False, collateral_value=200000.0, credit_type="temporary")
    assert (data["limit_cap"], data["term_cap_days"]) == (80000.0, 15)


def test_a_request_exactly_at_the_cap_is_kept_whole(bundle) -> None:
    data, _ = assess(bundle, requested_limit=80000.0)
    assert data["approved_limit"] == 80000.0


def test_the_approved_term_never_exceeds_the_term_cap(bundle) -> None:
    recorder = Recorder()
    runtime = ProcessRuntime.start(bundle, application(requested_term_days=90), recorder)
    for _ in range(4):
        runtime.complete(runtime.ready_tasks()[0].id, {"decision": "approve", "comment": "ok"})
    assert recorder.calls[-1][1]["approved_term_days"] == 30
