"""An online backup of the embedded database restores to a working system."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask

from app import create_app
from app.extensions import db
from app.models import CreditDecision, Customer

from .conftest import PASSWORD, PG_URL, _config
from .support import ApiUser


@pytest.mark.skipif(bool(PG_URL), reason="PostgreSQL is backed up with pg_dump; the command says so (tested below)")
def test_backup_then_restore_keeps_every_decision(app: Flask, tmp_path: Path) -> None:
    sales = ApiUser(app.test_client(), "salesperson", PASSWORD)
    sales.start_credit(customer_code="BK1", bad_record_24m=True)  # decided at once: lands in the credit file
    target = tmp_path / "backup.db"
    result = app.test_cli_runner().invoke(args=["backup", str(target)])
    assert result.exit_code == 0, result.output
    assert app.test_cli_runner().invoke(args=["backup", str(target)]).exit_code != 0  # never overwrites

    sales.start_credit(customer_code="BK2", bad_record_24m=True)  # after the backup: not in it
    restored = create_app(_config(f"sqlite:///{target}"))
    with restored.app_context():
        codes = set(db.session.scalars(db.select(Customer.code)))
        assert codes == {"BK1"}
        assert db.session.scalar(db.select(db.func.count(CreditDecision.id))) == 1
        client = restored.test_client()
        reader = ApiUser(client, "finance_director", PASSWORD)
        assert reader.get("/api/v1/customers/BK1").json["grade"] == "C"
        db.session.remove()
        db.engine.dispose()


@pytest.mark.skipif(not PG_URL, reason="only meaningful on PostgreSQL")
def test_postgresql_backup_points_to_pg_dump(app: Flask, tmp_path: Path) -> None:
    result = app.test_cli_runner().invoke(args=["backup", str(tmp_path / "x.db")])
    assert result.exit_code != 0 and "pg_dump" in result.output
