"""Diagrams are code: known sandbox escapes fail, and no expression or script can run away with the worker."""

from __future__ import annotations

import pytest

from app.engine import EngineError, ExpressionError, ProcessRuntime, build_bundle, evaluate
from app.engine.scripting import RestrictedEnvironment, check_expression, check_script

from .support import BPMN, Recorder, application

ESCAPES = [
    "().__class__.__base__.__subclasses__()",
    "[].__class__.__mro__[1].__subclasses__()",
    "(lambda: 0).__globals__",
    "(lambda: 0).__code__",
    "getattr((), '__class__')",
    "'{0.__class__.__mro__}'.format(1)",
    "'{x.__class__}'.format_map({'x': 1})",
    "(x for x in [1]).gi_frame.f_globals",
    "(x for x in [1]).gi_code",
    "__builtins__['eval']('1')",
    "eval('1')",
    "exec('x = 1')",
    "open('/etc/passwd').read()",
    "__import__('os').system('true')",
    "type(1).__subclasses__()",
    "vars()",
    "globals()",
    "compile('1', 'x', 'eval')",
    "Decimal.__init__.__globals__",
    "date.today.__self__",
]


@pytest.mark.parametrize("expression", ESCAPES)
def test_known_escapes_fail(expression: str) -> None:
    with pytest.raises(ExpressionError):
        evaluate(expression, {})


@pytest.mark.parametrize(
    "script",
    ["import os", "from os import system", "while True:\n    pass", "x = 0\nwhile x < 10:\n    x += 1"],
)
def test_imports_and_while_loops_are_refused_when_the_diagram_is_checked(script: str) -> None:
    assert check_script(script) is not None


@pytest.mark.parametrize(
    "expression",
    [
        "'x' * 10**9",
        "[0] * 10**8",
        "10**8 * [0]",
        "2 ** 10**6",
        "1 << 10**7",
        "list(range(10**9))",
        "sum(i for i in range(100000) for j in range(100))",
    ],
)
def test_expressions_that_would_build_huge_values_or_run_for_ever_fail(expression: str) -> None:
    with pytest.raises(ExpressionError):
        evaluate(expression, {})


def test_nested_loops_in_a_script_hit_the_step_budget() -> None:
    script = "total = 0\nfor i in range(1000):\n    for j in range(1000):\n        total += 1"
    # Whichever comes first stops it: the step budget, or on a busy machine the time budget.
    with pytest.raises(ExpressionError, match="loop steps|SCRIPT_TIME_LIMIT_MS"):
        RestrictedEnvironment().execute(script, {})


def test_in_place_repetition_is_bounded() -> None:
    with pytest.raises(ExpressionError):
        RestrictedEnvironment().execute("x = 'ab'\nx *= 10**8", {})


def test_ordinary_arithmetic_and_loops_still_work() -> None:
    assert evaluate("[i * 2 for i in range(100)][-1]", {}) == 198
    assert evaluate("2 ** 10", {}) == 1024
    assert evaluate("'ab' * 3", {}) == "ababab"
    assert evaluate("min(limit, 5 * rate)", {"limit": 100, "rate": 3}) == 15
    context = {"items": [1, 2, 3]}
    RestrictedEnvironment().execute("total = 0\nfor i in items:\n    total += i * 2", context)
    assert context["total"] == 12
    assert check_expression("x * 2 if y else 0") is None


def test_a_runaway_script_in_a_diagram_fails_its_own_step_only() -> None:
    xml = (BPMN / "credit_application.bpmn").read_text(encoding="utf-8")
    looping = xml.replace(
        "approved_limit = min(requested_limit, limit_cap)",
        "n = 0\nfor i in range(1000):\n    for j in range(1000):\n        n += 1\napproved_limit = limit_cap",
    )
    dmn = {name: (BPMN / name).read_bytes() for name in ("credit_grade.dmn", "credit_policy.dmn")}
    with pytest.raises(EngineError, match="loop steps"):
        ProcessRuntime.start(build_bundle(looping, dmn), application(), Recorder())
    # the same worker goes on with a healthy diagram
    healthy = ProcessRuntime.start(build_bundle(xml, dmn), application(), Recorder())
    assert healthy.ready_tasks()


def test_a_giant_value_fails_its_step_in_a_memory_capped_worker() -> None:
    import subprocess
    import sys

    from .conftest import ROOT

    probe = (
        "from app.engine.limits import cap_process_memory, configure\n"
        "from app.engine import ExpressionError, evaluate\n"
        "cap_process_memory(1024)\n"
        # Many values each under the size limit, and time enough: only the memory cap is left to stop it.
        "configure(600000, 1 << 20)\n"
        "try:\n"
        "    evaluate('[[0] * 100000 for i in range(99999)]', {})\n"
        "except ExpressionError as err:\n"
        "    print('refused:', err.message)\n"
        "print('still alive:', evaluate('1 + 1', {}))\n"
    )
    result = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert "refused: MemoryError" in result.stdout, result.stderr
    assert "still alive: 2" in result.stdout
