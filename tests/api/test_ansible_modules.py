"""Ansible's ngine_io.cloudstack modules, as bundled with the `ansible`
package and unmodified, drive an isolated network against a live server:
network, instance, public IPs, firewall, port forwarding and static NAT are
created, a second run changes nothing (the modules compare our answers
with what they asked for), and state=absent removes them again."""
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from accounts.services.users import register_user_keys
from compute.models import VirtualMachine
from network.models import FirewallRule, Network, PortForwardingRule, PublicIpAddress
from tests.compute.conftest import ready_template
from tests.network.advanced_zone import build_advanced_zone, isolated_offering

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

PLAYBOOK_TIMEOUT = 120
FORWARDED_IP = "203.0.113.20"
STATIC_NAT_IP = "203.0.113.21"


def ansible_playbook() -> Path:
    binary = Path(sys.executable).parent / "ansible-playbook"
    if not binary.exists():
        pytest.fail(f"ansible-playbook is not installed next to {sys.executable}: pip install -e '.[test]'")
    return binary


def task(title: str, module: str, /, **args) -> dict:
    return {"name": title, f"ngine_io.cloudstack.{module}": {"zone": "adv", **args}}


def setup_tasks(template: str, *, display_text: str = "web tier", private_port: int = 22) -> list[dict]:
    return [
        task("network", "cs_network", name="web", display_text=display_text,
             network_offering=isolated_offering().name),
        task("instance", "cs_instance", name="web1", template=template, service_offering="Small Instance",
             networks=["web"]),
        task("forwarded address", "cs_ip_address", ip_address=FORWARDED_IP, network="web"),
        task("firewall", "cs_firewall", ip_address=FORWARDED_IP, port=2222, cidrs=["198.51.100.0/24"]),
        task("egress", "cs_firewall", type="egress", network="web", port=80, cidrs=["10.1.1.0/24"]),
        task("port forward", "cs_portforward", ip_address=FORWARDED_IP, public_port=2222, private_port=private_port,
             vm="web1", network="web"),
        task("static NAT address", "cs_ip_address", ip_address=STATIC_NAT_IP, network="web"),
        task("static NAT", "cs_staticnat", ip_address=STATIC_NAT_IP, vm="web1", network="web"),
    ]


def teardown_tasks(admin_keys: tuple[str, str]) -> list[dict]:
    """Removal in reverse; a user's instance is only destroyed, so the
    admin (its own keys on the task) expunges it before the network goes."""
    admin_key, admin_secret = admin_keys
    return [
        task("no static NAT", "cs_staticnat", ip_address=STATIC_NAT_IP, state="absent"),
        task("no static NAT address", "cs_ip_address", ip_address=STATIC_NAT_IP, state="absent"),
        task("no port forward", "cs_portforward", ip_address=FORWARDED_IP, public_port=2222, private_port=22,
             state="absent"),
        task("no egress", "cs_firewall", type="egress", network="web", port=80, cidrs=["10.1.1.0/24"],
             state="absent"),
        task("no firewall", "cs_firewall", ip_address=FORWARDED_IP, port=2222, cidrs=["198.51.100.0/24"],
             state="absent"),
        task("no forwarded address", "cs_ip_address", ip_address=FORWARDED_IP, state="absent"),
        task("no instance", "cs_instance", name="web1", state="absent"),
        task("instance expunged", "cs_instance", name="web1", state="expunged", account="comp1-user", domain="Comp1",
             api_key=admin_key, api_secret=admin_secret),
        task("no network", "cs_network", name="web", state="absent"),
    ]


def run_playbook(tmp_path: Path, name: str, tasks: list[dict], env: dict) -> dict[str, dict]:
    """Run a one-play playbook on localhost; its tasks' results by task name."""
    playbook = tmp_path / f"{name}.yml"
    # JSON is YAML: the playbook is written as the data it is.
    playbook.write_text(json.dumps([{"hosts": "localhost", "gather_facts": False, "tasks": tasks}]))
    done = subprocess.run([str(ansible_playbook()), "-i", "localhost,", "-c", "local", str(playbook)],
                          env=env, capture_output=True, text=True, timeout=PLAYBOOK_TIMEOUT)
    try:
        report = json.loads(done.stdout)
    except json.JSONDecodeError:
        pytest.fail(f"{name}: no JSON report (rc {done.returncode}):\n{done.stdout}\n{done.stderr}")
    results = {t["task"]["name"]: t["hosts"]["localhost"] for t in report["plays"][0]["tasks"]}
    failed = [(t["task"]["name"], t["hosts"]["localhost"].get("msg"))
              for t in report["plays"][0]["tasks"] if t["hosts"]["localhost"].get("failed")]
    assert not failed and done.returncode == 0, f"{name}: {failed}\n{done.stderr}"
    assert list(results) == [t["name"] for t in tasks]
    return results


@pytest.fixture
def ansible_env(live_server, root_admin, tenancy, tmp_path):
    user = tenancy["comp1_user"]
    key, secret = register_user_keys(user, user)
    home = tmp_path / "ansible-home"
    home.mkdir()
    return {
        **os.environ,
        "CLOUDSTACK_ENDPOINT": f"{live_server.url}/client/api",
        "CLOUDSTACK_KEY": key,
        "CLOUDSTACK_SECRET": secret,
        "CLOUDSTACK_TIMEOUT": "30",
        "ANSIBLE_STDOUT_CALLBACK": "json",
        "ANSIBLE_PYTHON_INTERPRETER": sys.executable,
        "ANSIBLE_HOME": str(home),
        "ANSIBLE_LOCAL_TEMP": str(home / "tmp"),
        "ANSIBLE_HOST_KEY_CHECKING": "False",
        "ANSIBLE_NOCOLOR": "1",
    }


def changed(results: dict[str, dict]) -> dict[str, bool]:
    return {name: result["changed"] for name, result in results.items()}


def test_the_ansible_modules_build_an_isolated_network_idempotently_and_remove_it(root_admin, tenancy, tmp_path,
                                                                                    ansible_env):
    zone = build_advanced_zone(root_admin, tmp_path)
    template = ready_template(zone, root_admin)
    user = tenancy["comp1_user"]
    setup = setup_tasks(template.name)

    first = run_playbook(tmp_path, "setup", setup, ansible_env)
    assert changed(first) == dict.fromkeys(first, True)
    network = Network.objects.get(name="web", account=user.account)
    assert (network.display_text, network.state) == ("web tier", "Implemented")
    vm = VirtualMachine.objects.get(name="web1", account=user.account)
    guest_ip = vm.nics.get().guest_ip
    assert vm.state == "Running" and guest_ip.network == network
    forwarded = PublicIpAddress.objects.get(address=FORWARDED_IP)
    assert forwarded.network == network and not forwarded.is_source_nat
    rule = FirewallRule.objects.get(public_ip=forwarded)
    assert (rule.protocol, rule.start_port, rule.end_port, rule.cidr_list) == ("tcp", 2222, 2222, "198.51.100.0/24")
    egress = FirewallRule.objects.get(network=network, traffic_type="Egress")
    assert (egress.protocol, egress.start_port, egress.cidr_list) == ("tcp", 80, "10.1.1.0/24")
    forward = PortForwardingRule.objects.get(public_ip=forwarded)
    assert (forward.public_start, forward.private_start, forward.guest_ip) == (2222, 22, guest_ip)
    assert PublicIpAddress.objects.get(address=STATIC_NAT_IP).static_nat_ip == guest_ip
    assert (first["network"]["network_offering"], first["network"]["cidr"]) == (isolated_offering().name,
                                                                                "10.1.1.0/24")
    assert first["network"]["broadcast_domain_type"] == "Vlan"
    assert (first["instance"]["default_ip"], first["instance"]["state"]) == (guest_ip.address, "Running")
    assert first["forwarded address"]["ip_address"] == FORWARDED_IP
    assert first["firewall"]["cidrs"] == ["198.51.100.0/24"] and first["egress"]["network"] == "web tier"
    pf = first["port forward"]
    assert (pf["public_port"], pf["private_port"], pf["vm_name"], pf["vm_guest_ip"]) == (2222, 22, "web1",
                                                                                         guest_ip.address)
    assert (first["static NAT"]["ip_address"], first["static NAT"]["vm_name"]) == (STATIC_NAT_IP, "web1")

    again = run_playbook(tmp_path, "setup-again", setup, ansible_env)
    assert changed(again) == dict.fromkeys(again, False)
    assert again["instance"]["public_ip"] == STATIC_NAT_IP, "its static NAT address, once made"
    assert {name: r.get("id") for name, r in again.items()} == {name: r.get("id") for name, r in first.items()}
    assert PublicIpAddress.objects.filter(network=network).count() == 3, "source NAT and the two asked for"
    assert FirewallRule.objects.filter(network=network).count() == 2
    assert PortForwardingRule.objects.filter(public_ip=forwarded).count() == 1

    # A changed wish is noticed: the network is updated, the forward is made anew (the module deletes and creates).
    moved = run_playbook(tmp_path, "setup-changed", setup_tasks(template.name, display_text="web tier, v2",
                                                                private_port=2022), ansible_env)
    assert [name for name, was_changed in changed(moved).items() if was_changed] == ["network", "port forward"]
    assert Network.objects.get(pk=network.pk).display_text == "web tier, v2"
    assert PortForwardingRule.objects.get(public_ip=forwarded).private_start == 2022

    teardown = teardown_tasks(register_user_keys(root_admin, root_admin))
    gone = run_playbook(tmp_path, "teardown", teardown, ansible_env)
    assert changed(gone) == dict.fromkeys(gone, True)
    assert not PortForwardingRule.objects.exists() and not FirewallRule.objects.exists()
    assert not PublicIpAddress.objects.filter(address__in=[FORWARDED_IP, STATIC_NAT_IP]).exists()
    assert not VirtualMachine.objects.filter(name="web1").exists()
    assert not Network.objects.filter(name="web").exists()

    # The rule modules fail on an address or network that is gone, as against CloudStack; the others find
    # nothing to do.
    rule_modules = {f"ngine_io.cloudstack.{m}" for m in ("cs_staticnat", "cs_portforward", "cs_firewall")}
    remaining = [t for t in teardown if not rule_modules & t.keys()]
    twice = run_playbook(tmp_path, "teardown-again", remaining, ansible_env)
    assert changed(twice) == dict.fromkeys(["no static NAT address", "no forwarded address", "no instance",
                                            "instance expunged", "no network"], False)
