"""Screenshots for the README, taken with headless Chromium from the demo's working day.

    .venv/bin/python docs/take_screenshots.py

builds a throw-away SQLite database as `flask demo seed` would, serves it on a loopback port as of a
fixed Wednesday morning, and writes desktop (1280 wide) and phone (390×844) pictures of the main
pages to docs/screenshots/, reduced to a 256-colour palette so they stay small.
"""

from __future__ import annotations

import sys
import tempfile
import threading
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from flask_migrate import upgrade
from PIL import Image
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.ui import WebDriverWait
from werkzeug.serving import make_server

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app import create_app  # noqa: E402 - the project root is put on the path first
from app.clock import FixedClock  # noqa: E402
from app.extensions import db  # noqa: E402
from app.models import HumanTask, ProcessInstance  # noqa: E402
from app.services.demo.working_day import seed_working_day  # noqa: E402
from app.services.modeling import deployment  # noqa: E402
from app.services.people import accounts  # noqa: E402

OUT = ROOT / "docs" / "screenshots"
PASSWORD = "demo-pass-2026"
MORNING = datetime(2026, 11, 25, 10, 30, tzinfo=ZoneInfo("Asia/Shanghai"))
DESKTOP, PHONE = (1280, 900), (390, 844)


def _log_in(driver: WebDriver, base: str, username: str) -> None:
    driver.delete_all_cookies()
    driver.get(f"{base}/login")
    driver.find_element(By.NAME, "username").send_keys(username)
    driver.find_element(By.NAME, "password").send_keys(PASSWORD)
    driver.find_element(By.CSS_SELECTOR, "form button[type=submit]").click()
    WebDriverWait(driver, 20).until(lambda d: "/login" not in d.current_url)


def _shoot(driver: WebDriver, url: str, name: str, size: tuple[int, int], full_height: bool) -> None:
    driver.set_window_size(*size)
    driver.get(url)
    WebDriverWait(driver, 20).until(lambda d: d.execute_script("return document.readyState") == "complete")
    if driver.find_elements(By.ID, "instance-diagram"):
        WebDriverWait(driver, 20).until(
            lambda d: d.find_element(By.ID, "instance-diagram").get_attribute("data-import-state")
        )
    if full_height:  # the whole page on a desktop; a phone shows what fits its screen
        height = driver.execute_script("return document.documentElement.scrollHeight")
        driver.set_window_size(size[0], min(height + 120, 2400))
    path = OUT / f"{name}.png"
    driver.save_screenshot(str(path))
    Image.open(path).convert("RGB").quantize(colors=256).save(path, optimize=True)
    print(f"{path.relative_to(ROOT)}: {path.stat().st_size // 1024} KB")


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    database = Path(tempfile.mkdtemp()) / "demo.db"
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{database}",
            "SECRET_KEY": "screenshots",
            "CLOCK": FixedClock(MORNING),
            "SCHEDULER_ENABLED": False,
            "WTF_CSRF_ENABLED": True,
        }
    )
    with app.app_context():
        upgrade()
        accounts.seed_demo(PASSWORD)
        deployment.sync_directory(app.config["BPMN_DIR"])
        seed_working_day()
        at_director = db.session.scalars(
            db.select(HumanTask).where(HumanTask.business_key == "DEMO-C102", HumanTask.status == "open")
        ).first()
        complaint = db.session.scalars(
            db.select(ProcessInstance).where(ProcessInstance.process_key == "complaint_handling")
        ).all()[2]
        task_id, instance_id, case_id = at_director.id, at_director.instance_id, complaint.id
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_port}"
    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--hide-scrollbars"):
        options.add_argument(argument)
    driver = webdriver.Chrome(options=options, service=Service("/usr/bin/chromedriver"))
    try:
        shots = [
            ("sales_manager", "/tasks", "inbox"),
            ("finance_director", f"/tasks/{task_id}", "task"),
            ("salesperson", f"/instances/{instance_id}", "instance"),
            ("general_manager", "/supervision", "desk"),
            ("production_manager", f"/instances/{case_id}", "complaint"),
        ]
        for username, path, name in shots:
            _log_in(driver, base, username)
            _shoot(driver, base + path, f"{name}-desktop", DESKTOP, full_height=True)
            _shoot(driver, base + path, f"{name}-phone", PHONE, full_height=False)
    finally:
        driver.quit()
        server.shutdown()


if __name__ == "__main__":
    main()
