"""Signing in: a local account checks its own password; anyone else may be checked by the company
directory over LDAP (OpenLDAP or Active Directory), and is then kept here as a directory account
whose roles follow the directory groups named in LDAP_GROUP_ROLES."""

from __future__ import annotations

import ssl
from dataclasses import dataclass, field
from typing import Any

from flask import current_app
from ldap3 import BASE, NONE, SUBTREE, Connection, Server, Tls
from ldap3.core.exceptions import LDAPException
from ldap3.utils.conv import escape_filter_chars
from ldap3.utils.dn import escape_rdn

from ... import clock
from ...extensions import db
from ...models import AuditEvent, Role, User
from ..common.transactions import transactional
from . import accounts

DIRECTORY = "ldap"
# Kept in place of a password hash for directory accounts: no password ever matches it.
_NO_LOCAL_PASSWORD = "!directory"


@dataclass
class DirectoryPerson:
    dn: str
    display_name: str
    email: str | None
    groups: set[str] = field(default_factory=set)


def authenticate(username: str, password: str) -> User | None:
    """The person these credentials belong to, or None; local accounts never reach the directory."""
    user = accounts.user_named(username)
    if user is None or user.auth_source != DIRECTORY:
        found = accounts.authenticate(username, password)
        if found is not None or user is not None or not current_app.config.get("LDAP_URL"):
            return found
    if not current_app.config.get("LDAP_URL") or not password or "\x00" in username:
        return None  # an empty password would be an anonymous bind, which proves nothing
    try:
        person = _check_with_directory(username, password)
    except LDAPException:
        current_app.logger.warning("the directory answered unexpectedly", exc_info=True)
        return None
    if person is None:
        return None
    return _directory_account(username, person)


def _group_roles() -> dict[str, str]:
    pairs = {}
    for item in current_app.config.get("LDAP_GROUP_ROLES", "").split(";"):
        group, _, role = item.strip().rpartition("=")
        if group and role:
            pairs[group.strip().lower()] = role.strip()
    return pairs


def _server() -> Server:
    config = current_app.config
    tls = None
    if config.get("LDAP_STARTTLS") or config["LDAP_URL"].startswith("ldaps://"):
        tls = Tls(validate=ssl.CERT_REQUIRED, ca_certs_file=config.get("LDAP_CA_FILE") or None)
    # No schema read: attributes one directory lacks (memberOf on OpenLDAP) are simply absent, not an error.
    return Server(config["LDAP_URL"], tls=tls, get_info=NONE, connect_timeout=int(config.get("LDAP_TIMEOUT", 5)))


def _connection(server: Server, dn: str, password: str) -> Connection | None:
    """A connection bound as `dn`, over STARTTLS when configured; None if the directory refuses."""
    config = current_app.config
    conn = Connection(
        server,
        user=dn,
        password=password,
        read_only=True,
        receive_timeout=int(config.get("LDAP_TIMEOUT", 5)),
        raise_exceptions=False,
    )
    try:
        conn.open()
        if config.get("LDAP_STARTTLS") and not conn.start_tls():
            return None
        if not conn.bind():
            return None
    except LDAPException:
        current_app.logger.warning("the directory could not be reached or refused TLS", exc_info=True)
        return None
    return conn


def _check_with_directory(username: str, password: str) -> DirectoryPerson | None:
    config = current_app.config
    server = _server()
    attributes = ["cn", "displayName", "mail", "memberOf"]
    if config.get("LDAP_BIND_DN_TEMPLATE"):
        # The name goes into a DN: escaped, so it cannot change which entry the DN names.
        dn = config["LDAP_BIND_DN_TEMPLATE"].format(username=escape_rdn(username))
        conn = _connection(server, dn, password)
        if conn is None:
            return None
        if config.get("LDAP_SEARCH_BASE"):  # e.g. AD's "name@domain", which is no DN to read
            user_filter = config["LDAP_USER_FILTER"].format(username=escape_filter_chars(username))
            conn.search(
                config["LDAP_SEARCH_BASE"], user_filter, search_scope=SUBTREE, attributes=attributes, size_limit=2
            )
        else:
            conn.search(dn, "(objectClass=*)", search_scope=BASE, attributes=attributes)
    else:
        service = _connection(server, config.get("LDAP_BIND_DN", ""), config.get("LDAP_BIND_PASSWORD", ""))
        if service is None:
            return None
        user_filter = config["LDAP_USER_FILTER"].format(username=escape_filter_chars(username))
        service.search(
            config["LDAP_SEARCH_BASE"], user_filter, search_scope=SUBTREE, attributes=attributes, size_limit=2
        )
        if len(service.entries) != 1:
            return None
        dn = service.entries[0].entry_dn
        service.unbind()
        conn = _connection(server, dn, password)
        if conn is None:
            return None
        conn.search(dn, "(objectClass=*)", search_scope=BASE, attributes=attributes)
    if len(conn.entries) != 1:
        return None
    entry = conn.entries[0]
    person = DirectoryPerson(
        dn=entry.entry_dn,
        display_name=_first(entry, "displayName") or _first(entry, "cn") or username,
        email=_first(entry, "mail"),
        groups={str(g).lower() for g in _all(entry, "memberOf")},
    )
    if config.get("LDAP_GROUP_BASE"):
        member = escape_filter_chars(person.dn)
        conn.search(
            config["LDAP_GROUP_BASE"],
            f"(|(member={member})(uniqueMember={member}))",
            search_scope=SUBTREE,
            attributes=["cn"],
        )
        person.groups |= {e.entry_dn.lower() for e in conn.entries}
    conn.unbind()
    return person


def _first(entry: Any, name: str) -> str | None:
    values = _all(entry, name)
    return str(values[0]) if values else None


def _all(entry: Any, name: str) -> list[Any]:
    if name not in entry.entry_attributes:
        return []
    return list(entry[name].values)


@transactional
def _directory_account(username: str, person: DirectoryPerson) -> User | None:
    """The local record of a directory person, made at first sign-in; roles from the mapped groups."""
    user = accounts.user_named(username)
    now = clock.now()
    if user is None:
        user = User(
            username=username,
            display_name=person.display_name[:100],
            email=person.email,
            password_hash=_NO_LOCAL_PASSWORD,
            created_at=now,
            auth_source=DIRECTORY,
        )
        db.session.add(user)
        db.session.flush()
        db.session.add(
            AuditEvent(
                at=now,
                actor_id=user.id,
                action="user_created",
                subject=f"user:{username}",
                details={"source": DIRECTORY, "dn": person.dn},
            )
        )
    if not user.active:
        return None
    mapping = _group_roles()
    wanted = {mapping[g] for g in person.groups if g in mapping}
    managed = set(mapping.values())
    keep = {r for r in user.role_keys if r not in managed}  # roles the administrator gave by hand stay
    if user.role_keys != keep | wanted:
        user.roles = list(db.session.scalars(db.select(Role).where(Role.key.in_(keep | wanted))))
        db.session.add(
            AuditEvent(
                at=now,
                actor_id=user.id,
                action="roles_from_directory",
                subject=f"user:{username}",
                details={"roles": sorted(keep | wanted)},
            )
        )
    user.display_name = person.display_name[:100]
    user.email = person.email or user.email
    return user
