"""The inbox list: tabs, orders, filters, search, keyset pages, urgency colours, saved filters, claim/give back."""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import text

from app.clock import FixedClock
from app.extensions import db
from app.models import HumanTask, SavedFilter, User
from app.services.common.errors import Forbidden, NotFound, ValidationFailed
from app.services.desk import inbox, saved_filters, tasks
from app.services.instances import lifecycle as instances

from .conftest import PASSWORD, SHANGHAI, T0, login
from .support import ApiUser, application, statements_sent

_serial = itertools.count()


def user(name: str) -> User:
    return db.session.scalars(db.select(User).where(User.username == name)).one()


def filed(**overrides: Any) -> dict[str, Any]:
    data = application(**overrides)
    data.pop("filed_by")
    return data


@pytest.fixture
def instance_id(app: Flask) -> int:
    return empty_instance()


def empty_instance() -> int:
    """An instance whose own task rows are gone, so a test sees only the rows it adds."""
    started = instances.start("credit_application", user("salesperson"), filed(customer_code="IB0")).id
    db.session.execute(text("DELETE FROM human_tasks"))
    db.session.commit()
    return started


def add_task(instance_id: int, **values: Any) -> HumanTask:
    """A task row as the projection writes it, with the values a test cares about."""
    n = next(_serial)
    title = values.pop("title", f"Review {n:03d}")
    business_key = values.pop("business_key", f"BK{n:03d}")
    row = HumanTask(
        instance_id=instance_id,
        engine_task_id=f"t-{n}",
        process_key=values.pop("process_key", "credit_application"),
        business_key=business_key,
        bpmn_id="review",
        name="Review",
        title=title,
        form_key=values.pop("form_key", "credit_approval"),
        role=values.pop("role", "sales_manager"),
        status=values.pop("status", "open"),
        created_at=values.pop("created_at", T0 - timedelta(hours=n)),
        search_text=f"{title} {business_key}".lower(),
        escalation_level=0,
        **values,
    )
    db.session.add(row)
    db.session.commit()
    return row


def ids(page: inbox.InboxPage) -> list[int]:
    return [t.id for t in page.rows]


def page_of(who: User, limit: int = 50, after: str | None = None, before: str | None = None, **raw: Any) -> Any:
    return inbox.list_page(who, inbox.parse_query(raw), after=after, before=before, limit=limit)


def _only_mine(instance_id: int, rows: list[HumanTask]) -> list[int]:
    return [r.id for r in rows if r.instance_id == instance_id]


def test_tabs_separate_my_tasks_my_roles_queue_and_everyone_elses(app: Flask, instance_id: int) -> None:
    manager, other = user("sales_manager"), user("finance_director")
    mine = add_task(instance_id, assignee_id=manager.id)
    queued = add_task(instance_id)
    add_task(instance_id, role="finance_director")  # another role's queue
    add_task(instance_id, assignee_id=other.id, role="sales_manager")  # claimed by someone else
    in_mine = _only_mine(instance_id, page_of(manager, tab="mine").rows)
    in_queue = _only_mine(instance_id, page_of(manager, tab="queue").rows)
    everything = _only_mine(instance_id, page_of(manager, tab="all").rows)
    assert (in_mine, in_queue) == ([mine.id], [queued.id])
    assert sorted(everything) == sorted([mine.id, queued.id])
    with pytest.raises(ValidationFailed) as err:
        inbox.parse_query({"tab": "everything"})
    assert "tab" in err.value.errors


def test_soonest_due_first_with_no_deadline_last_and_the_other_orders(app: Flask, instance_id: int) -> None:
    manager = user("sales_manager")
    db.session.execute(text("DELETE FROM human_tasks"))  # only this test's rows
    db.session.commit()
    later = add_task(instance_id, title="b later", process_key="p2", due_at=T0 + timedelta(days=2))
    none = add_task(instance_id, title="a undated", process_key="p3", due_at=None)
    soon = add_task(instance_id, title="c soon", process_key="p1", due_at=T0 + timedelta(hours=1))
    assert ids(page_of(manager)) == [soon.id, later.id, none.id]
    newest_first = sorted([later, none, soon], key=lambda r: r.created_at, reverse=True)
    assert ids(page_of(manager, sort="created")) == [r.id for r in newest_first]
    assert ids(page_of(manager, sort="title")) == [none.id, later.id, soon.id]
    assert ids(page_of(manager, sort="process")) == [soon.id, later.id, none.id]


def test_filters_by_process_customer_due_range_and_completed_by_me(app: Flask, instance_id: int) -> None:
    manager = user("sales_manager")
    early = add_task(instance_id, customer="华东贸易", due_at=datetime(2026, 11, 24, 0, 30, tzinfo=SHANGHAI))
    late = add_task(instance_id, customer="华南机械", due_at=datetime(2026, 11, 25, 23, 59, tzinfo=SHANGHAI))
    other = add_task(instance_id, process_key="complaint_handling", customer="华东贸易")
    done = add_task(instance_id, status="completed", completed_by_id=manager.id, completed_at=T0)

    def found(**raw: Any) -> list[int]:
        return _only_mine(instance_id, page_of(manager, **raw).rows)

    assert found(process="complaint_handling") == [other.id]
    assert sorted(found(customer="华东")) == sorted([early.id, other.id])
    # Day bounds are company days: 00:30 on the 24th in Shanghai is still the 23rd in UTC.
    assert found(due_from="2026-11-24", due_to="2026-11-24") == [early.id]
    assert found(due_from="2026-11-25") == [late.id]
    assert found(status="completed") == [done.id]
    assert done.id not in found()
    with pytest.raises(ValidationFailed) as err:
        inbox.parse_query({"due_from": "2026-11-26", "due_to": "2026-11-25", "sort": "colour"})
    assert set(err.value.errors) == {"due_to", "sort"}
    with pytest.raises(ValidationFailed) as err:
        inbox.parse_query({"due_from": "tomorrow"})
    assert list(err.value.errors) == ["due_from"]


def test_search_covers_title_and_business_key_ignoring_case(app: Flask, instance_id: int) -> None:
    manager = user("sales_manager")
    by_title = add_task(instance_id, title="Credit review Acme Trading", business_key="CR-0001")
    by_key = add_task(instance_id, title="Credit review", business_key="CR-7788")
    add_task(instance_id, title="50% discount", business_key="CR-0003")
    assert _only_mine(instance_id, page_of(manager, q="ACME").rows) == [by_title.id]
    assert _only_mine(instance_id, page_of(manager, q="cr-7788").rows) == [by_key.id]
    assert _only_mine(instance_id, page_of(manager, q="5%d").rows) == []  # % is a character, not a wildcard


def test_projection_fills_the_search_and_customer_columns(app: Flask) -> None:
    instances.start("credit_application", user("salesperson"), filed(customer_code="IBX", customer_name="Zeta 贸易"))
    row = db.session.scalars(db.select(HumanTask).where(HumanTask.business_key == "IBX")).one()
    assert row.customer == "Zeta 贸易"
    assert row.title.lower() in row.search_text and row.search_text.endswith("ibx")
    assert ids(page_of(user("sales_manager"), q="zeta")) == [row.id]


@pytest.mark.parametrize("sort", sorted(inbox.SORTS))
def test_keyset_pages_walk_forward_and_back_without_gaps(app: Flask, instance_id: int, sort: str) -> None:
    manager = user("sales_manager")
    db.session.execute(text("DELETE FROM human_tasks"))
    db.session.commit()
    for i in range(7):
        due = None if i % 3 == 0 else T0 + timedelta(hours=i % 2)  # ties and rows without a deadline
        add_task(instance_id, due_at=due, title=f"t{i % 2}", process_key=f"p{i % 3}", created_at=T0 - timedelta(i % 2))
    everything = ids(page_of(manager, sort=sort))
    first = page_of(manager, limit=3, sort=sort)
    second = page_of(manager, limit=3, sort=sort, after=first.next_cursor)
    third = page_of(manager, limit=3, sort=sort, after=second.next_cursor)
    assert ids(first) + ids(second) + ids(third) == everything
    assert first.prev_cursor is None and third.next_cursor is None
    back = page_of(manager, limit=3, sort=sort, before=second.prev_cursor)
    assert ids(back) == ids(first) and back.prev_cursor is None
    assert ids(page_of(manager, limit=3, sort=sort, before=third.prev_cursor)) == ids(second)
    with pytest.raises(ValidationFailed) as err:
        page_of(manager, limit=3, sort="title" if sort != "title" else "due", after=first.next_cursor)
    assert list(err.value.errors) == ["after"]


def test_overdue_rows_are_red_and_due_today_amber_in_company_time(
    app: Flask, client: FlaskClient, clock: FixedClock
) -> None:
    instance_id = instances.start("credit_application", user("salesperson"), filed(customer_code="IB1")).id
    clock.set(datetime(2026, 11, 23, 22, 0, tzinfo=SHANGHAI))  # 14:00 UTC: the UTC date is the same, Shanghai's too
    overdue = add_task(instance_id, due_at=datetime(2026, 11, 23, 21, 0, tzinfo=SHANGHAI))
    today = add_task(instance_id, due_at=datetime(2026, 11, 23, 23, 30, tzinfo=SHANGHAI))
    # 00:30 tomorrow in Shanghai is 16:30 UTC today: a UTC "today" would wrongly colour it.
    tomorrow = add_task(instance_id, due_at=datetime(2026, 11, 24, 0, 30, tzinfo=SHANGHAI))
    page = page_of(user("sales_manager"))
    assert (page.urgency[overdue.id], page.urgency[today.id], page.urgency[tomorrow.id]) == ("overdue", "due-today", "")
    login(client, "sales_manager")
    html = client.get("/tasks").get_data(as_text=True)
    assert f'data-task-id="{overdue.id}" class="overdue"' in html
    assert f'data-task-id="{today.id}" class="due-today"' in html
    assert f'data-task-id="{tomorrow.id}" class=""' in html
    assert "inbox.css" in html


def test_the_page_filters_and_pages_with_links(app: Flask, client: FlaskClient, instance_id: int) -> None:
    for i in range(3):
        add_task(instance_id, title=f"Paged {i}", due_at=T0 + timedelta(days=i + 1))
    login(client, "sales_manager")
    html = client.get("/tasks?q=paged").get_data(as_text=True)
    assert html.count(">Paged ") == 3
    assert client.get("/tasks?due_from=soon").status_code == 422
    page = inbox.list_page(user("sales_manager"), inbox.parse_query({"q": "paged"}), limit=2)
    html = client.get(f"/tasks?q=paged&after={page.next_cursor}").get_data(as_text=True)
    assert html.count(">Paged ") == 1 and 'rel="prev"' in html


def test_claim_and_give_back_only_from_a_roles_queue(app: Flask, instance_id: int) -> None:
    manager, director = user("sales_manager"), user("finance_director")
    queued = add_task(instance_id)
    tasks.claim(queued.id, manager)
    with pytest.raises(Forbidden):
        tasks.unclaim(queued.id, director)  # not theirs
    tasks.unclaim(queued.id, manager)
    assert db.session.get(HumanTask, queued.id).assignee_id is None
    assert queued.id in ids(page_of(manager, tab="queue"))
    with pytest.raises(Forbidden):
        tasks.unclaim(queued.id, manager)  # nobody holds it now
    given = add_task(instance_id, assignee_id=manager.id)  # assigned by the diagram, never in a queue
    with pytest.raises(Forbidden):
        tasks.unclaim(given.id, manager)
    with pytest.raises(NotFound):
        tasks.unclaim(10**6, manager)


def test_give_back_over_the_api_and_the_page(app: Flask, client: FlaskClient, instance_id: int) -> None:
    queued = add_task(instance_id)
    api = ApiUser(app.test_client(), "sales_manager", PASSWORD)
    assert api.post(f"/api/v1/tasks/{queued.id}/claim").status_code == 200
    assert api.post(f"/api/v1/tasks/{queued.id}/unclaim").json["assignee"] is None
    assert (
        ApiUser(app.test_client(), "finance_director", PASSWORD).post(f"/api/v1/tasks/{queued.id}/unclaim").status_code
        == 403
    )
    tasks.claim(queued.id, user("sales_manager"))
    login(client, "sales_manager")
    html = client.get("/tasks?tab=mine").get_data(as_text=True)
    assert f"/tasks/{queued.id}/unclaim" in html


def test_the_open_count_is_capped(app: Flask, instance_id: int) -> None:
    manager = user("sales_manager")
    before = inbox.open_count(manager)
    for _ in range(3):
        add_task(instance_id)
    assert inbox.open_count(manager) == before + 3
    assert inbox.open_count(manager, cap=2) == 2
    assert inbox.open_count_label(manager, cap=2) == "1+"
    assert inbox.open_count_label(manager) == str(before + 3)


def test_saved_filters_are_per_user_with_unique_names(app: Flask) -> None:
    manager, director = user("sales_manager"), user("finance_director")
    saved = saved_filters.save(manager, " Late  credit ", {"process": "credit_application", "sort": "created"})
    assert (saved.name, saved.params) == ("Late credit", {"process": "credit_application", "sort": "created"})
    again = saved_filters.save(manager, "Late credit", {"q": "acme"})  # the same name replaces it
    assert again.id == saved.id and again.params == {"q": "acme"}
    saved_filters.save(director, "Late credit", {})  # another user may use the same name
    assert [f.name for f in saved_filters.list_for(manager)] == ["Late credit"]
    assert saved_filters.query_of(again).q == "acme"
    for name, params, field in (("", {}, "name"), ("x" * 61, {}, "name"), ("ok", {"due_to": "31/12"}, "due_to")):
        with pytest.raises(ValidationFailed) as err:
            saved_filters.save(manager, name, params)
        assert list(err.value.errors) == [field]
    with pytest.raises(ValidationFailed) as err:
        saved_filters.save(manager, "ok", {"colour": "red"})
    assert list(err.value.errors) == ["filter"]
    with pytest.raises(Forbidden):
        saved_filters.delete(director, saved.id)
    saved_filters.delete(manager, saved.id)
    assert db.session.get(SavedFilter, saved.id) is None


def test_anonymous_visitors_are_sent_to_log_in(client: FlaskClient) -> None:
    assert client.get("/tasks").headers["Location"].startswith("/login")


def _statements(app: Flask, run: Any) -> list[tuple[str, Any]]:
    return [(sql, parameters) for sql, parameters in statements_sent(run) if "FROM human_tasks" in sql]


@pytest.mark.parametrize(
    "raw", [{}, {"tab": "mine", "sort": "created"}, {"tab": "queue", "q": "x"}, {"status": "completed"}]
)
def test_every_inbox_query_reads_through_an_index(app: Flask, instance_id: int, raw: dict[str, str]) -> None:
    if db.engine.dialect.name != "sqlite":
        pytest.skip("the PostgreSQL plans are in bench/RESULTS.md (bench/inbox.py prints them)")
    manager = user("sales_manager")
    add_task(instance_id, due_at=T0)
    first = page_of(manager, limit=1, **raw)
    statements = _statements(app, lambda: page_of(manager, limit=1, after=first.next_cursor, **raw))
    statements += _statements(app, lambda: inbox.open_count(manager))
    assert statements
    for statement, parameters in statements:
        plan = _plan(statement, parameters)
        used = ("USING INDEX ix_tasks_", "USING COVERING INDEX ix_tasks_", "USING INTEGER PRIMARY KEY")
        assert any(u in plan for u in used), plan
        assert "SCAN human_tasks" not in plan.replace("SCAN human_tasks USING", ""), plan


def _plan(statement: str, parameters: Any) -> str:
    rows = db.session.connection().exec_driver_sql("EXPLAIN QUERY PLAN " + statement, tuple(parameters))
    return " | ".join(row[-1] for row in rows)


def test_tasks_offered_through_a_candidate_list_are_read_by_id_not_found_by_walking_every_unclaimed_task(
    app: Flask, instance_id: int
) -> None:
    if db.engine.dialect.name != "sqlite":
        pytest.skip("the PostgreSQL plans are in bench/RESULTS.md (bench/inbox.py prints them)")
    manager = user("sales_manager")
    add_task(instance_id, due_at=T0)
    reached = [s for s in _statements(app, lambda: page_of(manager, limit=1)) if "FROM task_candidates" in s[0]]
    assert reached
    for statement, parameters in reached:
        assert _plan(statement, parameters).startswith("SEARCH human_tasks USING INTEGER PRIMARY KEY"), statement


def test_models_and_migrations_agree(app: Flask) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    with db.engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), db.metadata)
    mine = [d for d in differences if "human_tasks" in str(d) or "saved_filters" in str(d)]
    assert mine == []


def test_a_completed_instance_keeps_no_open_rows(app: Flask) -> None:
    # Guard for the "completed by me" view: a finished task shows there, not in the open tabs.
    manager = user("sales_manager")
    instances.start("credit_application", user("salesperson"), filed(customer_code="IB9"))
    task = db.session.scalars(db.select(HumanTask).where(HumanTask.business_key == "IB9")).one()
    tasks.complete(task.id, manager, {"decision": "reject", "comment": "no"})
    assert task.id not in ids(page_of(manager))
    assert task.id in ids(page_of(manager, status="completed"))


def test_the_list_speaks_chinese_by_default_and_english_when_chosen(app: Flask, client: FlaskClient) -> None:
    login(client, "sales_manager")
    html = client.get("/tasks").get_data(as_text=True)
    assert "岗位待认领" in html and "保存筛选" in html and "My roles" not in html
    manager = user("sales_manager")
    manager.locale = "en"
    db.session.commit()
    html = client.get("/tasks").get_data(as_text=True)
    assert "My roles" in html and "queue" in html and "Save filter" in html and "岗位待认领" not in html


def test_rows_and_the_process_filter_name_the_process_in_the_readers_language(app: Flask, client: FlaskClient) -> None:
    instances.start("credit_application", user("salesperson"), filed(customer_code="PN1"))
    login(client, "sales_manager")
    html = client.get("/tasks").get_data(as_text=True)
    assert html.count("授信申请") >= 2 and ">credit_application<" not in html  # the row and the filter's option
    manager = user("sales_manager")
    manager.locale = "en"
    db.session.commit()
    html = client.get("/tasks").get_data(as_text=True)
    assert html.count("Customer credit application") >= 2 and "授信申请<" not in html


def test_every_inbox_string_has_a_chinese_translation() -> None:
    from pathlib import Path

    from babel.messages.extract import extract_from_file
    from babel.messages.pofile import read_po

    area = Path(__file__).resolve().parent.parent / "app" / "inbox"
    po = area / "translations" / "zh_Hans_CN" / "LC_MESSAGES" / "messages.po"
    with po.open("rb") as handle:
        catalog = read_po(handle)
    sources = [(p, "jinja2") for p in (area / "templates" / "inbox").glob("tasks.html")]
    sources += [(area / "templates" / "inbox" / "bulk_result.html", "jinja2"), (area / "list_routes.py", "python")]
    missing = []
    for path, method in sources:
        for _line, message, _comments, _context in extract_from_file(method, str(path)):
            entry = catalog.get(message)
            if entry is None or not entry.string:
                missing.append(message)
    assert missing == []
