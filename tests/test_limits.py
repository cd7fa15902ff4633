"""Every diagram evaluation has a time budget and a size budget; a breach fails that step only."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import pytest
from flask import Flask

from app.engine import DiagramError, ExpressionError, evaluate
from app.engine.scripting import RestrictedEnvironment, check_expression, check_script
from app.extensions import db
from app.models import ProcessInstance
from app.services.modeling import deployment

from .conftest import PASSWORD, ROOT
from .support import ApiUser
from .test_incidents import deploy_with_condition

HUGE = 10**8

# Each builds a value of hundreds of megabytes (or a 100-million-bit number) from a small expression;
# `n` comes from the data, so nothing in the text gives the size away.
BIG_VALUES = [
    "pow(7, n)",
    "pow(7, 10**8)",
    "'x'.center(n)",
    "'x'.ljust(n)",
    "'x'.rjust(n)",
    "'0'.zfill(n)",
    "'\\t'.expandtabs(n)",
    "'-'.join(['x' * 1000] * 2000)",
    "('x' * 100000).replace('', 'y' * 20)",
    "str([list(range(100000))] * 1000)",
    "repr([[0] * 100000] * 100)",
    "f'{1:>{n}}'",
    "'%*d' % (n, 1)",
    "'%.100000000f' % 1.0",
    "int(Decimal('1e100000000'))",
    "round(Decimal('1e100000000'))",
    "floor(Decimal('1e100000000'))",
    "f'{Decimal(\"1e100000000\"):f}'",
    "sum([[0] * 50000] * 10, [])",
    "'x' * n",
    "[0] * n",
]


@pytest.mark.parametrize("expression", BIG_VALUES)
def test_built_ins_and_operators_refuse_to_build_a_value_over_the_size_budget(expression: str) -> None:
    started = time.monotonic()
    with pytest.raises(ExpressionError, match="bytes would be built|bits would be built|items would be built"):
        evaluate(expression, {"n": HUGE})
    assert time.monotonic() - started < 1  # refused before the value was built, not after


GROWING_SCRIPTS = [
    "s = 'ab'\nfor i in range(40):\n    s = s + s",
    "s = 'ab'\nfor i in range(40):\n    s += s",
    "s = 'ab'\nfor i in range(40):\n    s = f'{s}{s}'",
    "s = 'ab'\nfor i in range(40):\n    s = '%s%s' % (s, s)",
    "items = [1]\nfor i in range(40):\n    items.extend(items)",
    "items = [1]\nfor i in range(40):\n    items[len(items):] = items",
    "items = [1]\nfor i in range(40):\n    items = [*items, *items]",
    "x = 1 << 4000\nfor i in range(12):\n    x = x * x",
]


@pytest.mark.parametrize("script", GROWING_SCRIPTS)
def test_doubling_in_a_loop_stops_at_the_limit(script: str) -> None:
    with pytest.raises(ExpressionError, match="would be built|loop steps"):
        RestrictedEnvironment().execute(script, {})


@pytest.mark.parametrize(
    "expression",
    [
        "any([str(list(range(20000))) == 'x' for i in range(99999)])",
        "(lambda f: f(f, 40))(lambda f, k: 0 if k == 0 else f(f, k - 1) or f(f, k - 1))",
    ],
)
def test_an_expression_that_runs_too_long_stops_at_the_time_budget(expression: str) -> None:
    started = time.monotonic()
    with pytest.raises(ExpressionError, match=r"longer than 200 ms \(SCRIPT_TIME_LIMIT_MS\)"):
        evaluate(expression, {})
    # 200 ms of its own CPU time; the wall clock may show more on a busy machine, never the minutes it would take
    assert time.monotonic() - started < 10


def test_recursion_without_loops_stops_at_the_time_budget() -> None:
    script = "def f(n):\n    return 0 if n == 0 else f(n - 1) + f(n - 1)\nx = f(40)"
    with pytest.raises(ExpressionError, match="SCRIPT_TIME_LIMIT_MS"):
        RestrictedEnvironment().execute(script, {})


def test_a_script_cannot_redefine_the_guards() -> None:
    redefined = "def guarded_operation(op, a, b):\n    return 0\nx = 'a' * n"
    with pytest.raises(ExpressionError, match="would be built"):
        RestrictedEnvironment().execute(redefined, {"n": HUGE})
    for name in ("_op_", "_tick_", "_getiter_", "_fmt_", "_fstr_", "_write_", "_getattr_"):
        assert check_script(f"def {name}(*args):\n    return 0") is not None
        assert check_script(f"{name} = 1") is not None


def test_process_data_cannot_shadow_a_guard() -> None:
    with pytest.raises(ExpressionError, match="would be built"):
        evaluate("'x' * n", {"n": HUGE, "_op_": lambda *a: "", "_getiter_": iter})


@pytest.mark.parametrize(
    "expression",
    ["pow(7, 8*10**6) > 0", "'x'.center(3*10**8)", "'x' * 10**9", "2 ** 10**6", "1 << 10**7", "[0] * 10**8"],
)
def test_the_check_refuses_literals_that_cannot_fit(expression: str) -> None:
    assert check_expression(expression) is not None


def test_ordinary_expressions_are_untouched() -> None:
    assert evaluate("f'{x} and {y!r}'", {"x": 1, "y": "q"}) == "1 and 'q'"
    assert evaluate("'%s-%05d' % ('a', 3)", {}) == "a-00003"
    assert evaluate("', '.join(sorted(['b', 'a']))", {}) == "a, b"
    assert evaluate("str(12) + repr('x') + 'ab'.center(6, '*')", {}) == "12'x'**ab**"
    assert evaluate("round(Decimal('2.5')) + int('3') + pow(2, 10) + floor(2.5)", {}) == 1031


@pytest.fixture
def bpmn_copy(tmp_path: Path) -> Path:
    target = tmp_path / "bpmn"
    shutil.copytree(ROOT / "bpmn", target)
    return target


def test_the_deploy_check_names_the_gateway_flow_with_a_literal_too_big(app: Flask, bpmn_copy: Path) -> None:
    with pytest.raises(DiagramError) as err:
        deploy_with_condition(bpmn_copy, "pow(7, 8*10**6) &gt; 0")
    problems = dict(err.value.problems)
    assert "bits would be built" in problems["flow_sm_approve"]


def test_a_runaway_condition_fails_its_step_as_an_incident_naming_element_and_limit(
    app: Flask, bpmn_copy: Path
) -> None:
    client = app.test_client()
    sales, manager = ApiUser(client, "salesperson", PASSWORD), ApiUser(client, "sales_manager", PASSWORD)
    owner = ApiUser(client, "process_owner", PASSWORD)
    deploy_with_condition(bpmn_copy, "pow(7, requested_term_days * 10**6) &gt; 0")  # passes the check
    started = sales.start_credit(customer_code="RUN1").json["id"]
    task = next(t for t in manager.tasks() if t["instance_id"] == started)
    failed = manager.decide(task["id"], "approve", "ok")
    assert failed.status_code == 422
    assert "gw_sm" in failed.json["error"] and "4096 bits" in failed.json["error"]
    db.session.expire_all()
    error = db.session.get(ProcessInstance, started).error
    assert "gw_sm" in error and "4096 bits" in error
    assert [i["instance_id"] for i in owner.get("/api/v1/incidents").json["incidents"]] == [started]
    assert manager.tasks()  # the task waits to be tried again after a fix


def test_a_step_storing_more_than_the_instance_data_limit_fails(app: Flask, bpmn_copy: Path) -> None:
    diagram = bpmn_copy / "credit_application.bpmn"
    text = diagram.read_text(encoding="utf-8")
    marker = "approved_limit = min(requested_limit, limit_cap)"
    assert marker in text
    diagram.write_text(text.replace(marker, marker + "\nnotes = 'x' * 300000", 1), encoding="utf-8")
    deployment.sync_directory(bpmn_copy)
    client = app.test_client()
    sales = ApiUser(client, "salesperson", PASSWORD)
    refused = sales.start_credit(customer_code="BIG1")
    assert refused.status_code == 422
    assert "INSTANCE_DATA_LIMIT_BYTES" in refused.json["error"] and "262144" in refused.json["error"]
    assert (
        db.session.scalar(
            db.select(db.func.count(ProcessInstance.id)).where(ProcessInstance.business_key.like("%BIG1%"))
        )
        == 0
    )


def test_expressions_read_the_apps_clock_in_company_time(app: Flask) -> None:
    # The tests' clock stands at 2026-11-23 09:00 in Shanghai: 01:00 UTC.
    assert evaluate("date.today()", {}).isoformat() == "2026-11-23"
    assert evaluate("datetime.now()", {}).isoformat() == "2026-11-23T09:00:00+08:00"
    app.extensions["clock"].set(app.extensions["clock"].at.replace(hour=23, minute=30))
    assert evaluate("str(date.today())", {}) == "2026-11-23"
