"""The two WTForms fields designed forms add: table rows (a list of small forms) and files.

Both read the same names from a browser post and from an API call flattened the same way
(`items-0-qty`, `items-1-qty`, ...), so the page and the API are checked by one set of rules.
"""

from __future__ import annotations

import re
from typing import Any

from wtforms import Field, Form
from wtforms.utils import unset_value

from .fields import message

MAX_ROWS = 200
MAX_FILES = 20


def _blank(value: Any) -> bool:
    return value is None or value is False or value == "" or value == []


class RowsField(Field):
    """Rows of the same fields; a row left wholly blank is no row (the page offers spare ones)."""

    def __init__(self, *args: Any, row_form: type[Form], columns: tuple, locale: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.row_form = row_form
        self.columns = columns
        self.locale = locale
        self.rows: list[Form] = []

    def _row(self, index: int, **kwargs: Any) -> Form:
        return self.row_form(prefix=f"{self.name}-{index}-", **kwargs)

    def process(self, formdata: Any, data: Any = unset_value, extra_filters: Any = None) -> None:
        self.process_errors = []
        self.rows = []
        if formdata is not None:
            pattern = re.compile(rf"^{re.escape(self.name)}-(\d{{1,4}})-")
            indices = sorted({int(m.group(1)) for key in formdata.keys() if (m := pattern.match(key))})
            for index in indices[: MAX_ROWS + 1]:
                row = self._row(index, formdata=formdata)
                if not all(_blank(row[c.name].data) for c in self.columns if c.name in row):
                    self.rows.append(row)
            if len(indices) > MAX_ROWS:
                self.process_errors.append(message("rows_max", self.locale, limit=MAX_ROWS))
        else:
            values = self.default if data is unset_value else data
            for index, row_values in enumerate(values if isinstance(values, list) else []):
                self.rows.append(self._row(index, data=row_values if isinstance(row_values, dict) else {}))
        self.data = self.rows

    def spare_rows(self) -> list[Form]:
        """Blank rows after the filled ones, so the page works without its script too."""
        start = max((int(r._prefix.split("-")[-2]) for r in self.rows), default=-1) + 1
        return [self._row(index) for index in range(start, start + (3 if not self.rows else 1))]

    def pre_validate(self, form: Form) -> None:
        for number, row in enumerate(self.rows, start=1):
            if row.validate():
                continue
            for column in self.columns:
                for problem in row.errors.get(column.name, []):
                    label = row[column.name].label.text
                    self.errors.append(message("row", self.locale, row=number, label=label, problem=problem))


class FileRefsField(Field):
    """Files: the page sends uploads (stored as the instance's attachments before the step is done),
    the API the numbers of files already attached to the instance."""

    def __init__(self, *args: Any, locale: str, max_files: int | None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.locale = locale
        self.max_files = max_files
        self.uploads: list[Any] = []

    def process_formdata(self, valuelist: list[Any]) -> None:
        self.uploads = [v for v in valuelist if getattr(v, "filename", None)]
        ids: list[int] = []
        for value in valuelist:
            if getattr(value, "filename", None) is not None or value in ("", None):
                continue
            text = str(value).strip()
            if not text.isdigit() or len(text) > 12:
                raise ValueError(message("file_ref", self.locale))
            ids.append(int(text))
        self.data = ids

    def process_data(self, value: Any) -> None:
        self.data = [v for v in value if isinstance(v, int)] if isinstance(value, list) else []

    def pre_validate(self, form: Form) -> None:
        count = len(self.data or []) + len(self.uploads)
        limit = self.max_files or MAX_FILES
        if count > limit:
            self.errors.append(message("files_max", self.locale, limit=limit))

    def _value(self) -> str:
        return ""
