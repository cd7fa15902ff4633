"""Signing in with the company directory: a real OpenLDAP server (Debian's slapd) on a loopback port,
with STARTTLS on a certificate made for the run; local accounts keep working beside it."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from app.extensions import db
from app.models import AuditEvent, User

from .conftest import PASSWORD, login
from .support import ApiUser

SLAPD = "/usr/sbin/slapd"
BASE = "dc=example,dc=com"
ADMIN_DN = f"cn=admin,{BASE}"
ADMIN_PASSWORD = "directory-admin-pw"
SALES_GROUP = f"cn=sales,ou=groups,{BASE}"
ENTRIES = f"""dn: {BASE}
objectClass: dcObject
objectClass: organization
o: Example
dc: example

dn: ou=people,{BASE}
objectClass: organizationalUnit
ou: people

dn: ou=groups,{BASE}
objectClass: organizationalUnit
ou: groups

dn: uid=zhou.jiu,ou=people,{BASE}
objectClass: inetOrgPerson
uid: zhou.jiu
cn: Zhou Jiu
sn: Zhou
displayName: 周九
mail: zhou.jiu@example.com
userPassword: directory-pass-1

dn: uid=wu.shi,ou=people,{BASE}
objectClass: inetOrgPerson
uid: wu.shi
cn: Wu Shi
sn: Wu
userPassword: directory-pass-2

dn: {SALES_GROUP}
objectClass: groupOfNames
cn: sales
member: uid=zhou.jiu,ou=people,{BASE}
"""


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def directory(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    if not Path(SLAPD).exists() or not shutil.which("ldapadd") or not shutil.which("openssl"):
        pytest.fail("the directory tests need Debian's slapd and ldap-utils: .ci/test installs them")
    home = tmp_path_factory.mktemp("slapd")
    (home / "data").mkdir()
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "2",
            "-subj",
            "/CN=127.0.0.1",
            "-addext",
            "subjectAltName=IP:127.0.0.1",
            "-keyout",
            str(home / "key.pem"),
            "-out",
            str(home / "cert.pem"),
        ],
        check=True,
        capture_output=True,
    )
    (home / "slapd.conf").write_text(
        "\n".join(
            [
                *(f"include /etc/ldap/schema/{s}.schema" for s in ("core", "cosine", "inetorgperson")),
                f"pidfile {home}/slapd.pid",
                "modulepath /usr/lib/ldap",
                "moduleload back_mdb",
                f"TLSCertificateFile {home}/cert.pem",
                f"TLSCertificateKeyFile {home}/key.pem",
                "database mdb",
                f'suffix "{BASE}"',
                f'rootdn "{ADMIN_DN}"',
                f"rootpw {ADMIN_PASSWORD}",
                f"directory {home}/data",
                "access to attrs=userPassword by anonymous auth by * none",
                "access to * by * read",
            ]
        )
        + "\n"
    )
    port = _free_port()
    url = f"ldap://127.0.0.1:{port}"
    server = subprocess.Popen(
        [SLAPD, "-f", str(home / "slapd.conf"), "-h", f"{url}/", "-d", "0"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        for _ in range(100):
            added = subprocess.run(
                ["ldapadd", "-x", "-H", url, "-D", ADMIN_DN, "-w", ADMIN_PASSWORD],
                input=ENTRIES.encode(),
                capture_output=True,
            )
            if added.returncode == 0:
                break
            time.sleep(0.1)  # slapd is still opening its port: this waits for a server, not for the app
        else:
            raise AssertionError(f"slapd did not take the entries: {added.stderr!r}")
        yield {"url": url, "ca": str(home / "cert.pem")}
    finally:
        server.terminate()
        server.wait(timeout=10)


@pytest.fixture(params=["bind_template", "search"])
def with_directory(request: pytest.FixtureRequest, app: Flask, directory: dict[str, Any]) -> Flask:
    app.config.update(
        LDAP_URL=directory["url"],
        LDAP_STARTTLS=True,
        LDAP_CA_FILE=directory["ca"],
        LDAP_GROUP_BASE=f"ou=groups,{BASE}",
        LDAP_GROUP_ROLES=f"{SALES_GROUP}=salesperson",
    )
    if request.param == "bind_template":
        app.config.update(LDAP_BIND_DN_TEMPLATE=f"uid={{username}},ou=people,{BASE}")
    else:  # a service account finds the person first, as with Active Directory
        app.config.update(
            LDAP_SEARCH_BASE=f"ou=people,{BASE}", LDAP_BIND_DN=ADMIN_DN, LDAP_BIND_PASSWORD=ADMIN_PASSWORD
        )
    return app


def _token(app: Flask, username: str, password: str) -> int:
    return app.test_client().post("/api/v1/auth/token", json={"username": username, "password": password}).status_code


def test_a_directory_person_signs_in_and_works_with_the_roles_of_their_groups(with_directory: Flask) -> None:
    person = ApiUser(with_directory.test_client(), "zhou.jiu", "directory-pass-1")
    assert person.start_credit(customer_code="LD1").status_code == 201  # salesperson, from the sales group
    user = db.session.scalars(db.select(User).where(User.username == "zhou.jiu")).one()
    assert (user.display_name, user.email, user.auth_source) == ("周九", "zhou.jiu@example.com", "ldap")
    assert user.role_keys == {"salesperson"}
    created = db.session.scalars(db.select(AuditEvent).where(AuditEvent.subject == "user:zhou.jiu")).first()
    assert created.action == "user_created" and created.details["source"] == "ldap"
    browser = with_directory.test_client()
    login(browser, "zhou.jiu", "directory-pass-1")
    assert browser.get("/tasks").status_code == 200


def test_the_directory_refuses_wrong_and_empty_passwords_and_strangers(with_directory: Flask) -> None:
    assert _token(with_directory, "zhou.jiu", "wrong") == 401
    assert _token(with_directory, "zhou.jiu", "") in (401, 422)  # never an anonymous bind
    assert _token(with_directory, "nobody", "directory-pass-1") == 401
    assert _token(with_directory, "zhou.jiu)(uid=*", "directory-pass-1") == 401
    assert db.session.scalar(db.select(db.func.count(User.id)).where(User.auth_source == "ldap")) == 0


def test_a_person_outside_the_mapped_groups_signs_in_without_roles(with_directory: Flask) -> None:
    assert _token(with_directory, "wu.shi", "directory-pass-2") == 200
    user = db.session.scalars(db.select(User).where(User.username == "wu.shi")).one()
    assert user.role_keys == set() and user.display_name == "Wu Shi"


def test_local_accounts_keep_working_and_never_reach_the_directory(with_directory: Flask) -> None:
    assert _token(with_directory, "salesperson", PASSWORD) == 200
    assert _token(with_directory, "salesperson", "directory-pass-1") == 401


def test_a_disabled_directory_person_is_refused(with_directory: Flask) -> None:
    assert _token(with_directory, "zhou.jiu", "directory-pass-1") == 200
    admin = ApiUser(with_directory.test_client(), "admin", PASSWORD)
    admin.client.patch("/api/v1/admin/users/zhou.jiu", json={"active": False}, headers=admin.headers)
    assert _token(with_directory, "zhou.jiu", "directory-pass-1") == 401


def test_starttls_with_an_untrusted_certificate_fails_closed(with_directory: Flask, tmp_path: Path) -> None:
    other = tmp_path / "other.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=other",
            "-keyout",
            str(tmp_path / "k.pem"),
            "-out",
            str(other),
        ],
        check=True,
        capture_output=True,
    )
    with_directory.config.update(LDAP_CA_FILE=str(other))
    assert _token(with_directory, "zhou.jiu", "directory-pass-1") == 401
