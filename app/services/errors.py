"""Domain errors that routes translate into HTTP answers."""

from __future__ import annotations


class DomainError(Exception):
    status = 400

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotFound(DomainError):
    status = 404


class Forbidden(DomainError):
    status = 403


class Conflict(DomainError):
    """Someone else acted first: the task was already handled or claimed."""

    status = 409


class ValidationFailed(DomainError):
    status = 422

    def __init__(self, errors: dict[str, list[str]]) -> None:
        fields = ", ".join(sorted(errors))
        super().__init__(f"invalid input: {fields}")
        self.errors = errors


class ProcessFailed(DomainError):
    """The engine could not carry out a step; nothing was saved."""

    status = 422

    def __init__(self, message: str, instance_id: int | None = None) -> None:
        super().__init__(message)
        self.instance_id = instance_id
