"""Declarative task forms: `forms/<key>.json` compiled into WTForms.

A form is either JSON in forms/ or drawn in the form designer (form-js schema); both compile to one
FormDef. A process owner describes a form once (fields, types, required, choices, limits, both
languages); the HTML page and the JSON API then validate with the very same fields.
"""

from .compiler import build_form_class, form_to_data, validate_data
from .definitions import FieldDef, FormDef, FormDefinitionError, FormNotFound, FormRegistry, parse_definition
from .formjs import is_designed, parse_form

__all__ = [
    "FieldDef",
    "FormDef",
    "FormDefinitionError",
    "FormNotFound",
    "FormRegistry",
    "build_form_class",
    "form_to_data",
    "is_designed",
    "parse_definition",
    "parse_form",
    "validate_data",
]
