"""Settings, read from the environment with safe defaults for the embedded setup."""

from __future__ import annotations

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def _default_database_url() -> str:
    instance = PROJECT_ROOT / "instance"
    instance.mkdir(exist_ok=True)
    return f"sqlite:///{instance / 'approvals.db'}"


class Config:
    SECRET_KEY = os.environ.get("SECRET_KEY", "")
    SQLALCHEMY_DATABASE_URI = os.environ.get("DATABASE_URL") or _default_database_url()
    SQLALCHEMY_ENGINE_OPTIONS: dict = {"pool_pre_ping": True}
    COMPANY_TIMEZONE = os.environ.get("COMPANY_TIMEZONE", "Asia/Shanghai")
    # The earliest day any date in a form may name (a receipt, a delivery): older ones are typing errors.
    COMPANY_FIRST_DAY = os.environ.get("COMPANY_FIRST_DAY", "2000-01-01")
    END_OF_BUSINESS_DAY = os.environ.get("END_OF_BUSINESS_DAY", "18:00")
    ESCALATION_DEADLINE = os.environ.get("ESCALATION_DEADLINE", "1 working day")
    BASE_URL = os.environ.get("BASE_URL", "http://127.0.0.1:5000")
    # Printed at the head of every approval record (审批单).
    COMPANY_NAME = os.environ.get("COMPANY_NAME", "华东示范贸易有限公司")
    MAIL_FROM = os.environ.get("MAIL_FROM", "approvals@localhost")
    SMTP_HOST = os.environ.get("SMTP_HOST", "localhost")
    SMTP_PORT = int(os.environ.get("SMTP_PORT", "25"))
    SMTP_USER = os.environ.get("SMTP_USER", "")
    SMTP_PASSWORD = os.environ.get("SMTP_PASSWORD", "")
    SMTP_STARTTLS = os.environ.get("SMTP_STARTTLS", "0") == "1"
    SMTP_TIMEOUT = float(os.environ.get("SMTP_TIMEOUT", "10"))
    DIGEST_HOUR = int(os.environ.get("DIGEST_HOUR", "8"))
    # Address-space cap per serving process (MB), the last line of defence behind the expression limits
    # below; 0 turns it off. 2048 leaves a 4-worker host room and stops one worker from starving it.
    WORKER_MEMORY_LIMIT_MB = int(os.environ.get("WORKER_MEMORY_LIMIT_MB") or "2048")
    # What one diagram expression or script may spend: wall time, and the size of any value it builds.
    SCRIPT_TIME_LIMIT_MS = int(os.environ.get("SCRIPT_TIME_LIMIT_MS", "200"))
    SCRIPT_VALUE_LIMIT_BYTES = int(os.environ.get("SCRIPT_VALUE_LIMIT_BYTES", str(1024 * 1024)))
    # The most process data one instance may hold, as JSON.
    INSTANCE_DATA_LIMIT_BYTES = int(os.environ.get("INSTANCE_DATA_LIMIT_BYTES", str(256 * 1024)))
    SCHEDULER_ENABLED = os.environ.get("SCHEDULER_ENABLED", "1") == "1"
    SCHEDULER_INTERVAL_SECONDS = int(os.environ.get("SCHEDULER_INTERVAL_SECONDS", "30"))
    COMPLAINT_SETTLEMENT_MANAGER_LIMIT = float(os.environ.get("COMPLAINT_SETTLEMENT_MANAGER_LIMIT", "5000"))
    COMPLAINT_SETTLEMENT_VP_LIMIT = float(os.environ.get("COMPLAINT_SETTLEMENT_VP_LIMIT", "50000"))
    # Four eyes on every change: a process owner's deployment becomes current only after another
    # process owner (or the general manager) approves it. `off` for a one-person company.
    DEPLOY_APPROVAL = os.environ.get("DEPLOY_APPROVAL", "on").strip().lower() not in ("off", "0", "false", "no")
    # The standing quality committee (roles whose holders 会签) when the production manager names none.
    QUALITY_COMMITTEE_ROLES = os.environ.get("QUALITY_COMMITTEE_ROLES", "production_manager,sales_manager")
    # Calendar days before a complaint's own deadline when it counts as at risk.
    COMPLAINT_AT_RISK_DAYS = int(os.environ.get("COMPLAINT_AT_RISK_DAYS", "3"))
    # How long work sent back (退回) may lie with the person it went back to before it escalates.
    RETURN_DEADLINE = os.environ.get("RETURN_DEADLINE", "2 working days")
    # A phone inquiry not answered at once is answered within this many minutes (第三篇 电话接听).
    INQUIRY_REPLY_MINUTES = int(os.environ.get("INQUIRY_REPLY_MINUTES", "30"))
    # The month the yearly customer satisfaction survey starts in (000 §6: at least once a year).
    SURVEY_MONTH = int(os.environ.get("SURVEY_MONTH", "11"))
    # What a corrective action from the survey gets when its line names no due date.
    SURVEY_ACTION_DEADLINE = os.environ.get("SURVEY_ACTION_DEADLINE", "10 working days")
    BPMN_DIR = Path(os.environ.get("BPMN_DIR", PROJECT_ROOT / "bpmn"))
    FORMS_DIR = Path(os.environ.get("FORMS_DIR", PROJECT_ROOT / "forms"))
    PASSWORD_HASH_METHOD = "scrypt"
    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI") or "memory://"
    # Sets this installation's counts apart from another's in a shared Redis.
    RATELIMIT_KEY_PREFIX = os.environ.get("RATELIMIT_KEY_PREFIX", "approvals")
    RATELIMIT_HEADERS_ENABLED = True
    LOGIN_LIMIT_PER_ADDRESS = os.environ.get("LOGIN_LIMIT_PER_ADDRESS", "20 per minute")
    LOGIN_LIMIT_PER_USER = os.environ.get("LOGIN_LIMIT_PER_USER", "5 per minute")
    API_TOKEN_TTL_HOURS = int(os.environ.get("API_TOKEN_TTL_HOURS", "12"))
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = os.environ.get("SESSION_COOKIE_SECURE", "0") == "1"
    REMEMBER_COOKIE_HTTPONLY = True
    WTF_CSRF_TIME_LIMIT = None
    MAX_CONTENT_LENGTH = 4 * 1024 * 1024
    ATTACHMENT_MAX_BYTES = int(os.environ.get("ATTACHMENT_MAX_BYTES", str(10 * 1024 * 1024)))
    ATTACHMENT_DIR = Path(os.environ.get("ATTACHMENT_DIR", PROJECT_ROOT / "instance" / "attachments"))
    # The company directory (LDAP: OpenLDAP or Active Directory); unset, only local accounts sign in.
    LDAP_URL = os.environ.get("LDAP_URL", "")
    LDAP_STARTTLS = os.environ.get("LDAP_STARTTLS", "0") == "1"
    LDAP_CA_FILE = os.environ.get("LDAP_CA_FILE", "")  # the CA that signed the directory's certificate
    # Either a DN to bind as directly, e.g. "uid={username},ou=people,dc=example,dc=com" or
    # "{username}@corp.example.com" for AD, or a search under LDAP_SEARCH_BASE with a service account.
    LDAP_BIND_DN_TEMPLATE = os.environ.get("LDAP_BIND_DN_TEMPLATE", "")
    LDAP_SEARCH_BASE = os.environ.get("LDAP_SEARCH_BASE", "")
    LDAP_USER_FILTER = os.environ.get("LDAP_USER_FILTER", "(|(uid={username})(sAMAccountName={username}))")
    LDAP_BIND_DN = os.environ.get("LDAP_BIND_DN", "")
    LDAP_BIND_PASSWORD = os.environ.get("LDAP_BIND_PASSWORD", "")
    # Groups found under this base whose member is the person, besides any memberOf the entry carries.
    LDAP_GROUP_BASE = os.environ.get("LDAP_GROUP_BASE", "")
    # "group DN=role key" pairs separated by ";", e.g. "cn=sales,ou=groups,dc=example,dc=com=salesperson".
    LDAP_GROUP_ROLES = os.environ.get("LDAP_GROUP_ROLES", "")
    LDAP_TIMEOUT = int(os.environ.get("LDAP_TIMEOUT", "5"))
    # A fixed "now" (ISO 8601 with an offset) for a rehearsal or a test of real worker processes;
    # unset, the app runs on the wall clock.
    CLOCK_AT = os.environ.get("CLOCK_AT") or None
    # Company total credit cap (第二十四条); unset, the receivables recorded as of 1 January stand in.
    CREDIT_TOTAL_CAP = float(os.environ["CREDIT_TOTAL_CAP"]) if os.environ.get("CREDIT_TOTAL_CAP") else None
    # Finance's receivables record older than this is shown to approvers as out of date.
    RECEIVABLES_MAX_AGE_DAYS = int(os.environ.get("RECEIVABLES_MAX_AGE_DAYS", "31"))
    # The quarterly refresh of a credit customer's investigation is due in this many working days (第十二条).
    CREDIT_REVIEW_WORKING_DAYS = int(os.environ.get("CREDIT_REVIEW_WORKING_DAYS", "10"))
    # The monthly business reports and the execution sheet's audit are due in this many working days (第三十九、四十条).
    CREDIT_MONTHLY_REVIEW_WORKING_DAYS = int(os.environ.get("CREDIT_MONTHLY_REVIEW_WORKING_DAYS", "5"))
    # A grant holds for the contract year (第三十六条).
    CREDIT_VALIDITY_MONTHS = int(os.environ.get("CREDIT_VALIDITY_MONTHS", "12"))
    # The largest receivables sheet finance may upload.
    RECEIVABLES_SHEET_MAX_BYTES = int(os.environ.get("RECEIVABLES_SHEET_MAX_BYTES", str(2 * 1024 * 1024)))
