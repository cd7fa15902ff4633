"""Accounts: password rules, first admin from the command line, sessions that end everywhere, login limits."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient

from app.extensions import db
from app.models import ApiToken, User
from app.services.common.errors import Forbidden
from app.services.people import accounts as user_service

from .conftest import PASSWORD, csrf_token, login
from .support import ApiUser


def test_password_rules_length_and_common_passwords_without_composition_rules() -> None:
    assert user_service.password_problems("short") == ["must be at least 8 characters"]
    assert user_service.password_problems("Password123") == ["is too common or too easy to guess"]
    assert user_service.password_problems("woaini1314") == ["is too common or too easy to guess"]
    assert user_service.password_problems("zhangsan1", "ZhangSan1") == ["is too common or too easy to guess"]
    assert user_service.password_problems("all lower case words") == []  # no composition rules


def test_users_create_makes_the_first_admin_with_a_generated_password(app: Flask) -> None:
    runner = app.test_cli_runner()
    result = runner.invoke(args=["users", "create", "boss", "--role", "admin", "--email", "boss@example.com"])
    assert result.exit_code == 0, result.output
    secret = result.output.split("password (shown once, not stored): ")[1].strip()
    boss = db.session.scalars(db.select(User).where(User.username == "boss")).one()
    assert boss.role_keys == {"admin"} and secret not in boss.password_hash
    assert user_service.authenticate("boss", secret) is not None
    assert runner.invoke(args=["users", "create", "boss", "--role", "admin"]).exit_code != 0
    refused = runner.invoke(args=["users", "create", "x1", "--role", "wizard"])
    assert refused.exit_code != 0 and "unknown role" in refused.output
    weak = runner.invoke(args=["users", "create", "x2", "--role", "admin", "--password", "12345678"])
    assert weak.exit_code != 0 and "too common" in weak.output


def test_logout_ends_every_session_and_token_of_that_user(app: Flask) -> None:
    laptop, phone = app.test_client(), app.test_client()
    login(laptop, "sales_manager")
    login(phone, "sales_manager")
    api = ApiUser(app.test_client(), "sales_manager", PASSWORD)
    assert phone.get("/tasks").status_code == 200
    laptop.post("/logout", data={"csrf_token": csrf_token(laptop.get("/tasks").data)})
    assert phone.get("/tasks").status_code == 302  # back to the login page
    assert api.get("/api/v1/tasks").status_code == 401
    login(phone, "sales_manager")
    assert phone.get("/tasks").status_code == 200


def test_a_password_change_ends_sessions_and_only_the_new_password_works(app: Flask, client: FlaskClient) -> None:
    other = app.test_client()
    login(other, "finance_director")
    login(client, "finance_director")
    token = csrf_token(client.get("/account/password").data)
    weak = client.post(
        "/account/password", data={"current_password": PASSWORD, "new_password": "password1", "csrf_token": token}
    )
    assert weak.status_code == 422 and "过于常见或容易猜到" in weak.data.decode()
    wrong = client.post(
        "/account/password",
        data={"current_password": "nope-nope", "new_password": "fresh-pass-7788", "csrf_token": token},
    )
    assert wrong.status_code == 422
    done = client.post(
        "/account/password", data={"current_password": PASSWORD, "new_password": "fresh-pass-7788", "csrf_token": token}
    )
    assert done.status_code == 302
    assert other.get("/tasks").status_code == 302
    assert user_service.authenticate("finance_director", PASSWORD) is None
    assert user_service.authenticate("finance_director", "fresh-pass-7788") is not None


def test_disabling_a_user_ends_their_sessions(app: Flask, client: FlaskClient) -> None:
    login(client, "salesperson2")
    api = ApiUser(app.test_client(), "salesperson2", PASSWORD)
    admin = db.session.scalars(db.select(User).where(User.username == "admin")).one()
    user_service.set_active(admin, "salesperson2", False)
    assert client.get("/tasks").status_code == 302
    assert api.get("/api/v1/tasks").status_code == 401
    assert db.session.scalar(db.select(db.func.count(ApiToken.id)).where(ApiToken.user_id == api_user_id())) == 0
    manager = db.session.scalars(db.select(User).where(User.username == "sales_manager")).one()
    with pytest.raises(Forbidden):
        user_service.set_active(manager, "salesperson", False)


def api_user_id() -> int:
    return db.session.scalars(db.select(User.id).where(User.username == "salesperson2")).one()


def test_login_is_rate_limited_per_user_and_per_address(app: Flask) -> None:
    app.config.update(LOGIN_LIMIT_PER_USER="3 per minute", LOGIN_LIMIT_PER_ADDRESS="6 per minute")
    client = app.test_client()
    statuses = [
        client.post("/api/v1/auth/token", json={"username": "cs_director", "password": "wrong-guess"}).status_code
        for _ in range(4)
    ]
    assert statuses == [401, 401, 401, 429]
    # another user from the same address still gets through, until the address limit (the refused
    # fourth guess above counted against the address too)
    others = [
        client.post("/api/v1/auth/token", json={"username": u, "password": "wrong-guess"}).status_code
        for u in ("admin", "general_manager", "sales_vp", "credit_controller")
    ]
    assert others == [401, 401, 429, 429]
