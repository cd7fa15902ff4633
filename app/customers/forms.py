"""The forms of the customer file page."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import StringField, TextAreaField
from wtforms.validators import Optional


class ContactForm(FlaskForm):
    # Lengths and formats are the service's to check: it names each field in the reader's language.
    name = StringField(validators=[Optional()])
    position = StringField(validators=[Optional()])
    phone = StringField(validators=[Optional()])
    email = StringField(validators=[Optional()])
    website = StringField(validators=[Optional()])
    note = TextAreaField(validators=[Optional()])
