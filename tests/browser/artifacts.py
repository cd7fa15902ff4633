"""Screenshots and page sources of failing browser tests, kept for CI in one folder per run.

The suite runs once on SQLite and once on PostgreSQL; each run has its own folder, emptied when
the run starts, so what CI keeps is exactly what that run saw. A failure while a test's fixtures
are being set up (a login that never lands, say) is kept as well as one in the test itself, and the
terminal summary names every file so the CI log points at them.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Protocol

import pytest

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
FOLDER = pytest.StashKey[Path]()
DRIVER = pytest.StashKey[Any]()
KEPT = pytest.StashKey[list[Path]]()
_CAPTURED_PHASES = ("setup", "call")


class Browser(Protocol):
    page_source: str

    def save_screenshot(self, filename: str) -> bool: ...


def run_folder(config: pytest.Config) -> Path:
    """This run's folder: browser-sqlite or browser-postgresql, after the database the tests use."""
    if FOLDER in config.stash:
        return config.stash[FOLDER]
    database = "postgresql" if os.environ.get("TEST_DATABASE_URL") else "sqlite"
    return ARTIFACTS / f"browser-{database}"


def remember(config: pytest.Config, driver: Browser) -> None:
    config.stash[DRIVER] = driver


def _uses_browser(item: pytest.Item) -> bool:
    return "_driver" in getattr(item, "fixturenames", ())


def keep(driver: Browser, folder: Path, nodeid: str, phase: str) -> list[Path]:
    """Save the browser's screenshot and HTML for one failed phase; the paths written."""
    folder.mkdir(parents=True, exist_ok=True)
    stem = re.sub(r"[^A-Za-z0-9_.-]+", "_", nodeid).strip("_") + f"-{phase}"
    screenshot, source = folder / f"{stem}.png", folder / f"{stem}.html"
    kept = []
    if driver.save_screenshot(str(screenshot)):
        kept.append(screenshot)
    source.write_text(driver.page_source, encoding="utf-8")
    kept.append(source)
    return kept


def pytest_collection_modifyitems(session: pytest.Session, config: pytest.Config, items: list[pytest.Item]) -> None:
    if any(_uses_browser(item) for item in items):
        shutil.rmtree(run_folder(config), ignore_errors=True)
    config.stash[KEPT] = []


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> Iterator[None]:
    outcome = yield
    report = outcome.get_result()
    driver = item.config.stash.get(DRIVER, None)
    if not (report.failed and report.when in _CAPTURED_PHASES and driver is not None and _uses_browser(item)):
        return
    try:
        kept = keep(driver, run_folder(item.config), item.nodeid, report.when)
    except Exception as err:  # noqa: BLE001 - a browser that died must not hide the test's own failure
        report.sections.append(("browser artifacts", f"could not be saved: {err!r}"))
        return
    item.config.stash.setdefault(KEPT, []).extend(kept)
    report.sections.append(("browser artifacts", "\n".join(str(path) for path in kept)))


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    kept = config.stash.get(KEPT, [])
    if kept:
        terminalreporter.write_sep("-", f"browser test artifacts ({run_folder(config)})")
        for path in kept:
            terminalreporter.write_line(str(path))
