"""The integration API (guide 5.2.2): off until integration.api.port is set,
then unauthenticated on 127.0.0.1 only, acting as the root admin."""
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from cs import CloudStack

from accounts.models import Domain
from cloudstack_ui.config.services import update_setting
from tests.conftest import subprocess_env

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def listening(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


def test_integration_port_is_off_until_set_then_serves_as_root_admin(root_admin):
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "manage.py", "integrationapi", "--poll", "0.3"], cwd=ROOT, env=subprocess_env(),
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True,
    )
    try:
        time.sleep(3)
        assert server.poll() is None, "the process waits for the setting instead of exiting"
        assert not listening(port)

        update_setting(root_admin, "integration.api.port", str(port))
        deadline = time.monotonic() + 30
        while not listening(port) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert listening(port)

        with urllib.request.urlopen(f"http://127.0.0.1:{port}/?command=listDomains&response=json") as answer:
            body = json.load(answer)
        assert body["listdomainsresponse"]["domain"][0]["path"] == "ROOT"

        # The cs client, with no key at all, as tools use this port.
        api = CloudStack(endpoint=f"http://127.0.0.1:{port}/", key=None, secret=None)
        created = api.createDomain(name="ViaIntegration")
        assert created["domain"]["path"] == "ROOT/ViaIntegration"
        assert Domain.objects.filter(name="ViaIntegration").exists()

        with pytest.raises(urllib.error.HTTPError) as other_path:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/client/")
        assert other_path.value.code == 404
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(10)


def test_the_main_endpoint_never_acts_as_root_admin_without_credentials(client, root_admin):
    response = client.get("/client/api", {"command": "listDomains", "response": "json"})
    assert response.status_code == 401
