"""Uploaded XML is parsed with entities, DTDs and network access off."""

from __future__ import annotations

import pytest

from app.engine import DiagramError, build_bundle, parse_xml
from app.engine.parsing import MAX_XML_BYTES

XXE = """<?xml version="1.0"?>
<!DOCTYPE definitions [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d">
  <bpmn:process id="p" isExecutable="true"><bpmn:startEvent id="s" name="&secret;" /></bpmn:process>
</bpmn:definitions>"""

BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
]>
<lolz>&lol3;</lolz>"""

REMOTE_DTD = """<?xml version="1.0"?>
<!DOCTYPE definitions SYSTEM "http://127.0.0.1:9/evil.dtd">
<definitions />"""


@pytest.mark.parametrize("xml", [XXE, BILLION_LAUGHS, REMOTE_DTD, XXE.replace("DOCTYPE", "doctype")])
def test_doctypes_and_entities_are_refused(xml: str) -> None:
    with pytest.raises(DiagramError, match="DOCTYPE or entity"):
        parse_xml(xml)
    with pytest.raises(DiagramError):
        build_bundle(xml, {})


def test_oversized_uploads_are_refused() -> None:
    huge = "<definitions>" + " " * MAX_XML_BYTES + "</definitions>"
    with pytest.raises(DiagramError, match="larger than"):
        parse_xml(huge)


def test_malformed_xml_is_a_clear_error_not_a_crash() -> None:
    with pytest.raises(DiagramError, match="not well-formed"):
        parse_xml("<definitions><unclosed></definitions>")
