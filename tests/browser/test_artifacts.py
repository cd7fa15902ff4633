"""A failing browser test leaves its screenshot and HTML in this run's folder, and the log names them."""

from __future__ import annotations

from pathlib import Path

import pytest

from .artifacts import run_folder

pytest_plugins = ["pytester"]

# A stand-in browser, so the hooks are proved without starting Chromium.
INNER_CONFTEST = """
from pathlib import Path

import pytest

from tests.browser import artifacts
from tests.browser.artifacts import pytest_collection_modifyitems, pytest_runtest_makereport, pytest_terminal_summary


class StubDriver:
    page_source = "<html><body>the page at the failure</body></html>"

    def save_screenshot(self, filename):
        Path(filename).write_bytes(b"\\x89PNG stub")
        return True


def pytest_configure(config):
    config.stash[artifacts.FOLDER] = Path(config.rootpath) / "kept"


@pytest.fixture(scope="session")
def _driver(pytestconfig):
    driver = StubDriver()
    artifacts.remember(pytestconfig, driver)
    return driver


@pytest.fixture
def browser(_driver):
    return _driver


@pytest.fixture
def signed_in(browser):
    raise RuntimeError("the login page never answered")
"""

INNER_TESTS = """
def test_passes(browser):
    assert browser.page_source


def test_fails_in_its_body(browser):
    assert "approved" in browser.page_source


def test_fails_while_signing_in(signed_in):
    pass


def test_without_a_browser_fails():
    assert False
"""


def test_failures_in_setup_and_body_leave_a_screenshot_and_the_html(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(INNER_CONFTEST)
    pytester.makepyfile(test_inner=INNER_TESTS)
    kept = pytester.path / "kept"
    kept.mkdir()
    (kept / "from-the-run-before.png").write_bytes(b"old")

    result = pytester.runpytest_inprocess("-p", "no:cacheprovider")

    result.assert_outcomes(passed=1, failed=2, errors=1)
    names = sorted(path.name for path in kept.iterdir())
    assert names == [
        "test_inner.py_test_fails_in_its_body-call.html",
        "test_inner.py_test_fails_in_its_body-call.png",
        "test_inner.py_test_fails_while_signing_in-setup.html",
        "test_inner.py_test_fails_while_signing_in-setup.png",
    ]
    assert "the page at the failure" in (kept / names[0]).read_text(encoding="utf-8")
    summary = result.stdout.str().split("browser test artifacts", 1)[1]
    for name in names:
        assert str(kept / name) in summary


def test_each_database_run_has_its_own_folder(pytestconfig: pytest.Config, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TEST_DATABASE_URL", raising=False)
    sqlite = run_folder(pytestconfig)
    monkeypatch.setenv("TEST_DATABASE_URL", "postgresql+psycopg://ci@127.0.0.1/approvals")
    postgresql = run_folder(pytestconfig)
    assert (sqlite.name, postgresql.name) == ("browser-sqlite", "browser-postgresql")
    assert sqlite.parent == postgresql.parent == Path(__file__).resolve().parents[2] / "test-artifacts"
