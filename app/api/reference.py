"""The API's reference, generated from the routes that serve it: the OpenAPI document at
/api/v1/openapi.json and an interactive page at /api/v1/docs whose Swagger UI files come from an
installed package (the app works offline).

APIFlask builds the document from each route's declarations (`@body`, `@bp.output`, `@refusals`);
here it is narrowed to this blueprint, written relative to /api/v1, and a route that declares
nothing is still listed, with every refusal an API route can give."""

from __future__ import annotations

import json
import re
import warnings
from importlib.resources import files
from pathlib import Path
from typing import Any

from apiflask import APIFlask
from apiflask.schemas import FileSchema
from flask import abort, current_app, render_template, send_from_directory
from werkzeug.routing import IntegerConverter, Rule
from werkzeug.wrappers import Response

from .blueprint import bp
from .bodies import refusals, refusals_for
from .shapes import Invalid, Refusal

PREFIX = "/api/v1"
_DOCS_FILES = {"swagger-ui-bundle.js", "swagger-ui.css"}
_UNDECLARED = (401, 403, 404, 409, 422)
# What any refusal of an undeclared route is known to carry: its reason, maybe more.
_SOME_REFUSAL = {"type": "object", "properties": {"error": {"type": "string"}}, "required": ["error"]}


@bp.get("/openapi.json")
@refusals(secured=False)
def openapi() -> dict[str, Any]:
    """This document."""
    app = current_app
    if "api_document" not in app.extensions:  # generated once: the routes do not change while the app runs
        with warnings.catch_warnings():
            # The generator warns about the twins that _merged_twins folds back into one.
            warnings.filterwarnings("ignore", "<class .*> has already been added to the spec", UserWarning)
            app.extensions["api_document"] = app.spec  # type: ignore[attr-defined]
    return app.extensions["api_document"]


@bp.get("/docs")
@bp.output(FileSchema(type="string", format="html"), content_type="text/html", description="the reference page")
@refusals(secured=False)
def docs() -> str:
    """The interactive reference (Swagger UI) over this document."""
    return render_template("api/docs.html")


@bp.get("/docs/<docs_file>")
@bp.output(FileSchema, content_type="application/octet-stream", description="a Swagger UI script or style sheet")
@refusals(404, secured=False)
def docs_file(docs_file: str) -> Response:
    """Swagger UI's own files, from the installed package: nothing is fetched from elsewhere."""
    if docs_file not in _DOCS_FILES:
        abort(404)
    return send_from_directory(_swagger_ui_dir(), docs_file, max_age=3600)


def _swagger_ui_dir() -> Path:
    return Path(str(files("flask_swagger_ui") / "dist"))


def configure(app: APIFlask) -> None:
    app.config.update(
        INFO={"title": "Approvals API", "version": "1"},
        SECURITY_SCHEMES={"bearer": {"type": "http", "scheme": "bearer"}},
        HTTP_ERROR_SCHEMA=Refusal,
        VALIDATION_ERROR_SCHEMA=Invalid,
        AUTO_SERVERS=False,
    )
    app.spec_processor(_narrowed)


def _narrowed(spec: dict[str, Any]) -> dict[str, Any]:
    """Only this API, relative to its prefix, with each path parameter as the URL converter reads it."""
    app = current_app
    paths: dict[str, Any] = {}
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith(PREFIX + "/"):
            continue
        path = _openapi_path(rule.rule)
        operations = spec["paths"].get(path)
        if operations is None:
            continue
        relative = path[len(PREFIX) :]
        paths[relative] = operations
        declared = getattr(app.view_functions[rule.endpoint], "_spec", {}).get("responses") is not None
        for method, operation in operations.items():
            if method.upper() not in (rule.methods or ()):
                continue
            operation["tags"] = [relative.strip("/").split("/")[0]]
            for parameter in operation.get("parameters", []):
                if parameter.get("in") == "path":
                    parameter["schema"] = _converter_schema(rule, parameter["name"])
            if not declared:
                # A route written in the plain Flask style declares nothing: it is listed all the same,
                # as needing a token and able to give any of the API's refusals.
                operation["security"] = [{"bearer": []}]
                operation["responses"].update(refusals_for(set(_UNDECLARED), _SOME_REFUSAL, _SOME_REFUSAL))
    spec["paths"] = dict(sorted(paths.items()))
    spec["servers"] = [{"url": PREFIX}]
    used = {tag for operations in paths.values() for operation in operations.values() for tag in operation["tags"]}
    spec["tags"] = [{"name": tag} for tag in sorted(used)]
    return _merged_twins(spec)


def _merged_twins(spec: dict[str, Any]) -> dict[str, Any]:
    """One component per schema. A schema that is both a route's answer and nested in another answer
    is registered twice by the generator ("Delegation", "Delegation1"); the copies are identical."""
    schemas = spec["components"]["schemas"]
    renamed = {}
    for name in list(schemas):
        base = re.sub(r"\d+$", "", name)
        if base != name and schemas.get(base) == schemas[name]:
            renamed[f"#/components/schemas/{name}"] = f"#/components/schemas/{base}"
            del schemas[name]
    if not renamed:
        return spec
    text = json.dumps(spec)
    for old, new in renamed.items():
        text = text.replace(f'"{old}"', f'"{new}"')
    return json.loads(text)


def _openapi_path(rule: str) -> str:
    return re.sub(r"<(?:[^<:>]+:)?([^<>]+)>", r"{\1}", rule)


def _converter_schema(rule: Rule, name: str) -> dict[str, Any]:
    converter = rule._converters.get(name)  # noqa: SLF001 - werkzeug keeps the converters only there
    if isinstance(converter, IntegerConverter):
        schema: dict[str, Any] = {"type": "integer"}
        if converter.min is not None:
            schema["minimum"] = converter.min
        elif not converter.signed:
            schema["minimum"] = 0
        if converter.max is not None:
            schema["maximum"] = converter.max
        return schema
    return {"type": "string"}
