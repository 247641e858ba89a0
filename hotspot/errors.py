"""Domain errors: values with a message key, mapped by each entry point to an HTTP
response, an RLM code, a CLI message or a log line."""

from __future__ import annotations


class DomainError(Exception):
    key = "error"

    def __init__(self, message: str, key: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if key:
            self.key = key


class NotFound(DomainError):
    key = "not_found"


class AlreadyExists(DomainError):
    key = "already_exists"


class InvalidInput(DomainError):
    key = "invalid_input"
