"""Nothing a caller sends comes back as markup: the XML answer is built by
ElementTree with a safe root for a command name that is no XML name, JSON
escapes <, > and &, the X-Description header is one line; and the XML
stays what CloudStack clients parse (declaration, cloud-stack-version,
element order, true/false, lists as repeated elements)."""
import json
import xml.etree.ElementTree as ET

import pytest
from django.conf import settings
from django.test import Client

from cloudstack_ui.api.rendering import render, render_error
from cloudstack_ui.errors import InvalidParameter
from tests.api.test_command_api import call, session
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

MARKUP = "<x/><script>alert(1)</script>"


def test_an_unauthenticated_command_with_markup_answers_a_safe_root(root_admin):
    response = Client().get("/client/api", {"command": MARKUP})
    assert response.status_code == 401
    root = ET.fromstring(response.content)
    assert root.tag == "errorresponse" and root.findtext("errorcode") == "401"
    assert b"<script" not in response.content and b"<x/>" not in response.content

    as_json = Client().get("/client/api", {"command": MARKUP, "response": "json"})
    assert set(as_json.json()) == {"errorresponse"}
    assert b"<" not in as_json.content and b">" not in as_json.content


def test_an_unknown_command_with_markup_is_refused_without_echoing_it(tenancy):
    client, login = session("comp1-user", PASSWORD, "/Comp1")
    response = client.get("/client/api", {"command": MARKUP, "sessionkey": login["sessionkey"]})
    assert response.status_code == 432
    root = ET.fromstring(response.content)
    assert root.tag == "errorresponse"
    assert root.findtext("errortext") == "The given command does not exist or it is not available for user"
    assert "script" not in response["X-Description"]
    # A name that looks like a command is still named, as CloudStack does.
    unknown = call(client, login["sessionkey"], "launchRocket")
    assert "The given command launchRocket does not exist" in unknown.json()["launchrocketresponse"]["errortext"]


def test_xml_answer_is_byte_compatible_and_escapes_values():
    body = {"count": 2, "thing": [{"name": "a<b&c\"d'", "ready": True, "note": ""}, {"name": "z", "ready": False}],
            "skipped": None}
    content = render("listThings", body, "xml").content.decode()
    assert content == (
        '<?xml version="1.0" encoding="UTF-8"?>'
        f'<listthingsresponse cloud-stack-version="{settings.CLOUDSTACK_VERSION}"><count>2</count>'
        "<thing><name>a&lt;b&amp;c\"d'</name><ready>true</ready><note></note></thing>"
        "<thing><name>z</name><ready>false</ready></thing></listthingsresponse>")
    assert ET.fromstring(content).find("thing").findtext("name") == "a<b&c\"d'"


def test_keys_and_text_that_xml_cannot_carry_stay_well_formed():
    body = {"details": {"bad key<>": "v", "1st": "w"}, "text": "nul\x00 and bell\x07"}
    root = ET.fromstring(render("getThing", body, "xml").content)
    assert [child.tag for child in root.find("details")] == ["bad_key__", "_1st"]
    assert root.findtext("text") == "nul\ufffd and bell\ufffd"


def test_json_escapes_markup_and_the_header_is_one_line():
    error = InvalidParameter('name: "<b>bold</b>" & co\r\nSet-Cookie: x=1\x00', field="name")
    response = render_error("createThing", error, "json")
    assert b"<b>" not in response.content and b"\\u003cb\\u003e" in response.content
    assert json.loads(response.content)["createthingresponse"]["errortext"] == error.message
    assert response["X-Description"] == 'name: "<b>bold</b>" & co Set-Cookie: x=1 '
