"""Domain errors: values with a message key, mapped by each entry point to an HTTP
response, an RLM code, a CLI message or a log line.

A message is an English ``%``-template with named placeholders and its values
(:class:`Text`): ``InvalidInput("weight: %(low)s to %(high)s", low=1, high=1000)``.
``exc.message`` is the English text (the CLI, the JSON API and the logs show it);
the portal's pages translate ``exc.template`` and fill in ``exc.params``
(``portal.i18n.error_text``). Values such as what a user typed go into the params,
never into the template. ``pybabel extract`` finds the templates by the class
names (README.md, "Translations")."""

from __future__ import annotations

from collections.abc import Mapping


class Text:
    """An English template and its values; ``str()`` is the English text.

    A value may itself be a :class:`Text` (a phrase translated on its own)."""

    __slots__ = ("params", "template")

    def __init__(self, template: str, **params: object) -> None:
        self.template = template
        self.params: Mapping[str, object] = params

    def __str__(self) -> str:
        return self.template % self.params if self.params else self.template

    def __repr__(self) -> str:
        return f"Text({self.template!r}, **{dict(self.params)!r})"


class DomainError(Exception):
    key = "error"

    def __init__(
        self, message: str | Text, key: str | None = None, **params: object
    ) -> None:
        text = message if isinstance(message, Text) else Text(message, **params)
        super().__init__(str(text))
        self.text = text
        self.message = str(text)
        if key:
            self.key = key

    @property
    def template(self) -> str:
        return self.text.template

    @property
    def params(self) -> Mapping[str, object]:
        return self.text.params


class NotFound(DomainError):
    key = "not_found"


class AlreadyExists(DomainError):
    key = "already_exists"


class InvalidInput(DomainError):
    key = "invalid_input"
