"""What the forms part of the API reads and answers (see bodies.py and shapes.py)."""

from __future__ import annotations

from marshmallow import fields

from .bodies import Body
from .fields import ListOf, Object, Text, Whole
from .shapes import Answer


class FormBody(Body):
    key = Text(metadata={"description": "lower-case letters, digits and _; the name a task's formKey uses"})
    definition = Object(metadata={"description": "a form designer (form-js) schema, or a JSON form as in forms/"})


class FormUpdate(Body):
    definition = Object(metadata={"description": "the whole new definition"})
    version = Whole(metadata={"description": "the version this edit started from; another saved since is a 409"})


class FormSummary(Answer):
    key = Text()
    version = Whole(metadata={"description": "0 while only the file in forms/ exists"})
    title = Text()
    title_en = Text()


class FormList(Answer):
    forms = ListOf(fields.Nested(FormSummary))


class FormAnswer(Answer):
    key = Text()
    version = Whole()
    format = Text(metadata={"description": "designed (form-js schema) or json (as in forms/)"})
    definition = Object()


class FormSaved(Answer):
    key = Text()
    version = Whole()
