"""Domain errors that routes translate into HTTP answers.

Messages may be lazy translations: they are turned into text only when read, so each reader
gets them in their own language (the API's caller, the web page's user)."""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    status = 400

    def __init__(self, message: Any) -> None:
        super().__init__(message)
        self._message = message

    @property
    def message(self) -> str:
        return str(self._message)

    def __str__(self) -> str:
        return self.message


class NotFound(DomainError):
    status = 404


class Forbidden(DomainError):
    status = 403


class Conflict(DomainError):
    """Someone else acted first: the task was already handled or claimed."""

    status = 409


class ValidationFailed(DomainError):
    status = 422

    def __init__(self, errors: dict[str, list[Any]]) -> None:
        from flask_babel import lazy_gettext

        fields = ", ".join(sorted(errors))
        super().__init__(lazy_gettext("invalid input: %(fields)s", fields=fields))
        self._errors = errors

    @property
    def errors(self) -> dict[str, list[str]]:
        return {name: [str(m) for m in messages] for name, messages in self._errors.items()}


class ProcessFailed(DomainError):
    """The engine could not carry out a step; nothing was saved."""

    status = 422

    def __init__(self, message: Any, instance_id: int | None = None) -> None:
        super().__init__(message)
        self.instance_id = instance_id
