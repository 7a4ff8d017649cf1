"""CloudStack's response bodies: {"<command>response": {...}} in JSON or
XML (XML is CloudStack's default), and its error envelope.

Nothing a caller sends is echoed as markup: XML is built by ElementTree
(text and attributes escaped, element names checked), JSON escapes "<",
">" and "&", and the X-Description header is one printable line."""
import json
import re
import xml.etree.ElementTree as ET

from django.conf import settings
from django.http import HttpResponse
from rest_framework.utils.encoders import JSONEncoder

from cloudstack_ui.errors import CloudStackError

XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>'
# The root of an answer whose command name cannot be an element name.
FALLBACK_COMMAND = "error"
# ASCII XML names; element names we build are CloudStack's lower-case keys.
_XML_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_.-]*")
# Characters XML 1.0 cannot carry at all, not even escaped.
_NOT_XML_CHAR = re.compile("[^\x09\x0a\x0d\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_JSON_MARKUP = {ord("<"): "\\u003c", ord(">"): "\\u003e", ord("&"): "\\u0026"}
_NOT_HEADER_CHAR = re.compile(r"[\x00-\x1f\x7f]+")


def is_xml_name(name: str) -> bool:
    return bool(_XML_NAME.fullmatch(name))


def response_key(command_name: str) -> str:
    """`<command>response`, or `errorresponse` for a name that cannot be an
    element name (so it is never reflected as markup or as a JSON key)."""
    name = command_name if command_name and is_xml_name(command_name) else FALLBACK_COMMAND
    return f"{name.lower()}response"


def render(command_name: str, body: dict, fmt: str, status: int = 200) -> HttpResponse:
    key = response_key(command_name)
    if fmt == "json":
        content = json.dumps({key: body}, cls=JSONEncoder, ensure_ascii=False).translate(_JSON_MARKUP)
        return HttpResponse(content, status=status, content_type="application/json; charset=utf-8")
    root = ET.Element(key, {"cloud-stack-version": settings.CLOUDSTACK_VERSION})
    _add_children(root, body)
    content = XML_DECLARATION + ET.tostring(root, encoding="unicode", short_empty_elements=False)
    return HttpResponse(content, status=status, content_type="text/xml; charset=utf-8")


def render_error(command_name: str, error: CloudStackError, fmt: str) -> HttpResponse:
    body = {"uuidList": [], "errorcode": error.errorcode, "cserrorcode": error.cserrorcode, "errortext": error.message}
    response = render(command_name or FALLBACK_COMMAND, body, fmt, status=error.errorcode)
    # CloudStack repeats the text in a header for clients that only read headers.
    response["X-Description"] = _NOT_HEADER_CHAR.sub(" ", error.message)[:1000]
    return response


def _element_name(name) -> str:
    """A key as an element name: kept when it is a valid XML name (all of
    CloudStack's are), else its invalid characters become "_"."""
    name = str(name)
    if is_xml_name(name):
        return name
    name = re.sub(r"[^A-Za-z0-9_.-]", "_", name)
    return name if is_xml_name(name) else f"_{name}"


def _xml_text(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return _NOT_XML_CHAR.sub("\ufffd", str(value))


def _add_children(parent: ET.Element, body: dict) -> None:
    """One element per key in order; a list is repeated elements."""
    for name, value in body.items():
        if value is None:
            continue
        tag = _element_name(name)
        for item in value if isinstance(value, list) else [value]:
            child = ET.SubElement(parent, tag)
            if isinstance(item, dict):
                _add_children(child, item)
            else:
                child.text = _xml_text(item)
