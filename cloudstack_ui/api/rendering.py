"""CloudStack's response bodies: {"<command>response": {...}} in JSON or
XML (XML is CloudStack's default), and its error envelope."""
import json
from xml.sax.saxutils import escape

from django.conf import settings
from django.http import HttpResponse
from rest_framework.utils.encoders import JSONEncoder

from cloudstack_ui.errors import CloudStackError


def response_key(command_name: str) -> str:
    return f"{command_name.lower()}response"


def render(command_name: str, body: dict, fmt: str, status: int = 200) -> HttpResponse:
    key = response_key(command_name)
    if fmt == "json":
        content = json.dumps({key: body}, cls=JSONEncoder, ensure_ascii=False)
        response = HttpResponse(content, status=status, content_type="application/json; charset=utf-8")
    else:
        content = (f'<?xml version="1.0" encoding="UTF-8"?><{key} cloud-stack-version="{settings.CLOUDSTACK_VERSION}">'
                   f"{_xml_children(body)}</{key}>")
        response = HttpResponse(content, status=status, content_type="text/xml; charset=utf-8")
    return response


def render_error(command_name: str, error: CloudStackError, fmt: str) -> HttpResponse:
    body = {"uuidList": [], "errorcode": error.errorcode, "cserrorcode": error.cserrorcode, "errortext": error.message}
    response = render(command_name or "error", body, fmt, status=error.errorcode)
    # CloudStack repeats the text in a header for clients that only read headers.
    response["X-Description"] = error.message.replace("\n", " ")[:1000]
    return response


def _xml_scalar(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return escape(str(value))


def _xml_children(body: dict) -> str:
    parts = []
    for name, value in body.items():
        if value is None:
            continue
        items = value if isinstance(value, list) else [value]
        for item in items:
            inner = _xml_children(item) if isinstance(item, dict) else _xml_scalar(item)
            parts.append(f"<{name}>{inner}</{name}>")
    return "".join(parts)
