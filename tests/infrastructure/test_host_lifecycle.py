"""Host lifecycle on the Simulator: ping states with events and alerts,
Force Reconnect, capacity recalculation with the overprovisioning factors,
schedules following their settings, and the host page and dashboard that
show all of it."""
from datetime import timedelta

import pytest
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from cloudstack_ui.config.services import update_setting
from cloudstack_ui.errors import InvalidParameter, PermissionDenied, ResourceUnavailable
from cloudstack_ui.jobs.models import Alert, Event
from infrastructure.models import Capacity, Host, SimulatedMachine, StoragePool
from infrastructure.services import capacity, clusters, hosts, monitoring, pods, storage, zones
from tests.api.test_command_api import call, session
from tests.conftest import logged_in_client

pytestmark = pytest.mark.django_db


@pytest.fixture
def cluster(root_admin):
    zone = zones.create_zone(root_admin, name="z1", network_type="Basic", dns1="8.8.8.8", internal_dns1="10.0.0.2")
    pod = pods.create_pod(root_admin, zone, name="p1", gateway="192.168.1.1", netmask="/24", start_ip="192.168.1.10",
                          end_ip="192.168.1.20")
    return clusters.add_cluster(root_admin, pod, name="c1", hypervisor="Simulator")


@pytest.fixture
def host(root_admin, cluster):
    SimulatedMachine.objects.create(name="h1", password="secret", cpu_number=8, cpu_speed=2000, memory=16 * 1024**3)
    return hosts.add_host(root_admin, cluster, url="simulator://h1", password="secret")


def states(host):
    return [e.description.split(" is ")[1].split(",")[0] for e in
            Event.objects.filter(resource_uuid=host.uuid, type="HOST.STATE").order_by("id")]


def test_a_silent_host_is_disconnected_then_down_with_an_alert_then_up(host):
    SimulatedMachine.objects.filter(name="h1").update(refuse_connection=True)
    assert monitoring.ping_hosts() == {"Disconnected": 1}
    assert not Alert.objects.exists(), "a host silent for less than ping.interval x ping.timeout is not alerted"
    Host.objects.update(last_answered=timezone.now() - timedelta(seconds=60 * 2.5 + 1))
    assert monitoring.ping_hosts() == {"Down": 1}
    host.refresh_from_db()
    assert host.state == "Down" and "connection refused" in host.state_reason and host.state_changed
    alert = Alert.objects.get()
    assert alert.type == Alert.Type.HOST and alert.subject.startswith("Host h1 in zone z1 is Down")
    assert monitoring.ping_hosts() == {"Down": 1} and Alert.objects.count() == 1, "one alert per change"
    SimulatedMachine.objects.filter(name="h1").update(refuse_connection=False)
    assert monitoring.ping_hosts() == {"Up": 1}
    assert states(host) == ["Disconnected", "Down", "Up"]


def test_refused_credentials_put_the_host_in_alert_until_they_are_updated(root_admin, host):
    SimulatedMachine.objects.filter(name="h1").update(password="changed")
    assert monitoring.ping_hosts() == {"Alert": 1}
    host.refresh_from_db()
    assert "username or password is wrong" in host.state_reason
    assert Alert.objects.get().subject.startswith("Host h1 in zone z1 is Alert")

    client, login = session()
    blank = call(client, login["sessionkey"], "updateHostPassword", hostid=str(host.uuid), username="root",
                 password=" ").json()["updatehostpasswordresponse"]
    assert blank["errorcode"] == 431 and "password" in blank["errortext"]
    answer = call(client, login["sessionkey"], "updateHostPassword", hostid=str(host.uuid), username="root",
                  password="changed").json()
    assert answer == {"updatehostpasswordresponse": {"success": "true"}}
    assert Host.objects.get().password == "changed"
    assert monitoring.ping_hosts() == {"Up": 1}


def test_force_reconnect_reads_the_facts_again(root_admin, host, tenancy):
    SimulatedMachine.objects.filter(name="h1").update(memory=32 * 1024**3, refuse_connection=True)
    Host.objects.update(state=Host.State.DOWN)
    with pytest.raises(ResourceUnavailable, match="Unable to connect to host h1"):
        monitoring.reconnect_host(root_admin, host)
    assert Host.objects.get().state == "Down"
    with pytest.raises(PermissionDenied):
        monitoring.reconnect_host(tenancy["comp1_admin"], host)
    SimulatedMachine.objects.filter(name="h1").update(refuse_connection=False)
    host = monitoring.reconnect_host(root_admin, Host.objects.get())
    assert host.state == "Up" and host.memory == 32 * 1024**3
    assert Event.objects.filter(type="HOST.RECONNECT", resource_uuid=host.uuid, user=root_admin).exists()


def test_capacity_follows_the_overprovisioning_factors(root_admin, cluster, host):
    pool = storage.create_storage_pool(root_admin, cluster.zone, name="ps1", url="nfs://10.0.0.5/p", cluster=cluster)
    update_setting(root_admin, "cpu.overprovisioning.factor", "2", scope="cluster", scope_uuid=cluster.uuid)
    update_setting(root_admin, "mem.overprovisioning.factor", "1.5", scope="cluster", scope_uuid=cluster.uuid)
    assert capacity.recalculate_capacity() == {"hosts": 1, "pools": 1, "pools_unreachable": 0}
    cpu = Capacity.objects.get(host=host, type=Capacity.Type.CPU)
    memory = Capacity.objects.get(host=host, type=Capacity.Type.MEMORY)
    assert cpu.total == 8 * 2000 * 2 and memory.total == int(16 * 1024**3 * 1.5)
    pool.refresh_from_db()
    assert pool.capacity_bytes == 4 * 1024**4, "the pool's size as the host reports it"
    allocated = Capacity.objects.get(storage_pool=pool, type=Capacity.Type.STORAGE_ALLOCATED)
    assert allocated.total == 2 * pool.capacity_bytes, "storage.overprovisioning.factor defaults to 2"

    SimulatedMachine.objects.filter(name="h1").update(refuse_connection=True)
    Host.objects.update(state=Host.State.DOWN)
    assert capacity.recalculate_capacity()["pools_unreachable"] == 1, "no Up host can report on the pool"
    assert StoragePool.objects.get().capacity_bytes == 4 * 1024**4, "the last figures stay"

    client, login = session()
    answer = call(client, login["sessionkey"], "listCapacity", zoneid=str(cluster.zone.uuid)).json()
    by_type = {row["type"]: row for row in answer["listcapacityresponse"]["capacity"]}
    assert by_type[1]["capacitytotal"] == 32000 and by_type[1]["zonename"] == "z1"
    assert set(by_type) == {0, 1, 2, 3}


def test_schedules_follow_their_settings(root_admin):
    update_setting(root_admin, "ping.interval", "15")
    update_setting(root_admin, "capacity.check.period", "120")
    assert PeriodicTask.objects.get(name="Ping hosts").interval.every == 15
    assert PeriodicTask.objects.get(name="Recalculate capacity").interval.every == 120
    with pytest.raises(InvalidParameter, match="at least 5"):
        update_setting(root_admin, "ping.interval", "1")


def test_events_alerts_and_reconnect_through_the_api(root_admin, host):
    SimulatedMachine.objects.filter(name="h1").update(refuse_connection=True)
    Host.objects.update(last_answered=timezone.now() - timedelta(days=1))
    monitoring.ping_hosts()
    client, login = session()
    key = login["sessionkey"]
    alerts = call(client, key, "listAlerts").json()["listalertsresponse"]["alert"]
    assert [(a["type"], a["name"]) for a in alerts] == [(7, "ALERT.HOST")] and "is Down" in alerts[0]["description"]
    events = call(client, key, "listEvents", resourceid=str(host.uuid)).json()["listeventsresponse"]["event"]
    assert {e["type"] for e in events} == {"HOST.ADD", "HOST.STATE"} and events[0]["level"] == "WARN"

    SimulatedMachine.objects.filter(name="h1").update(refuse_connection=False)
    job = call(client, key, "reconnectHost", id=str(host.uuid)).json()["reconnecthostresponse"]["jobid"]
    result = call(client, key, "queryAsyncJobResult", jobid=job).json()["queryasyncjobresultresponse"]
    assert result["jobstatus"] == 1 and result["jobresult"]["host"]["state"] == "Up"

    assert call(client, key, "archiveAlerts").status_code == 431
    assert call(client, key, "archiveAlerts", type=7).json() == {"archivealertsresponse": {"success": "true"}}
    assert call(client, key, "listAlerts").json() == {"listalertsresponse": {}}


def test_the_host_page_and_the_dashboard_show_health(root_admin, host):
    admin = logged_in_client(root_admin)
    capacity.recalculate_capacity()
    page = admin.get(f"/client/hosts/{host.uuid}/").content.decode()
    assert "Force reconnect" in page and "16000 MHz" in page and "Added host h1" in page
    assert "secret" not in page, "the host's password is never rendered"

    SimulatedMachine.objects.filter(name="h1").update(refuse_connection=True)
    Host.objects.update(last_answered=timezone.now() - timedelta(days=1))
    monitoring.ping_hosts()
    dashboard = admin.get("/client/").content.decode()
    assert "Host h1 in zone z1 is Down" in dashboard and f"/client/hosts/{host.uuid}/" in dashboard

    SimulatedMachine.objects.filter(name="h1").update(refuse_connection=False)
    response = admin.post(f"/client/hosts/{host.uuid}/reconnect", follow=True)
    assert response.status_code == 200 and Host.objects.get().state == "Up"
    assert "Host h1 is Up, was Down" in admin.get(f"/client/hosts/{host.uuid}/").content.decode()
