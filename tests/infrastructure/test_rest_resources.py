"""The infrastructure's REST resources run the same commands."""
import pytest

from infrastructure.models import Host
from tests.conftest import logged_in_client

pytestmark = pytest.mark.django_db


def test_a_zone_through_rest(root_admin, tenancy):
    api = logged_in_client(root_admin)

    def post(url, body):
        response = api.post(url, body, content_type="application/json")
        assert response.status_code in (201, 202), response.content
        return response.json()

    zone = post("/api/v1/zones/", {"name": "rz", "networktype": "Advanced", "dns1": "8.8.8.8",
                                   "internaldns1": "10.0.0.2"})
    net = post("/api/v1/physicalnetworks/", {"zoneid": zone["id"], "name": "n1", "vlan": "100-199"})
    assert net["vlan"] == "100-199"
    pod = post("/api/v1/pods/", {"zoneid": zone["id"], "name": "p", "gateway": "10.2.0.1", "netmask": "/24",
                                 "startip": "10.2.0.10", "endip": "10.2.0.20"})
    cluster = post("/api/v1/clusters/", {"zoneid": zone["id"], "podid": pod["id"], "clustername": "c",
                                         "hypervisor": "Simulator"})
    host = post("/api/v1/hosts/", {"zoneid": zone["id"], "podid": pod["id"], "clusterid": cluster["id"],
                                   "hypervisor": "Simulator", "url": "simulator://rest-host", "password": "pw"})
    assert host["name"] == "rest-host" and "password" not in host
    job = post(f"/api/v1/hosts/{host['id']}/maintenance/", {})
    assert api.get(f"/api/v1/jobs/{job['jobid']}/").json()["jobresult"]["host"]["resourcestate"] == "Maintenance"
    bad = api.post("/api/v1/vlanipranges/", {"zoneid": zone["id"], "gateway": "10.2.0.1", "netmask": "/24",
                                             "startip": "10.2.0.15"}, content_type="application/json")
    assert bad.status_code == 400 and bad.json()["field"] == "startip"
    patched = api.patch(f"/api/v1/zones/{zone['id']}/", {"allocationstate": "Enabled"},
                        content_type="application/json")
    assert patched.json()["allocationstate"] == "Enabled"
    assert logged_in_client(tenancy["comp1_admin"]).get("/api/v1/hosts/").status_code == 403
    assert Host.objects.get().resource_state == "Maintenance"


def test_regions_through_rest(root_admin):
    api = logged_in_client(root_admin)
    assert api.get("/api/v1/regions/1/").json()["name"] == "Local"
    created = api.post("/api/v1/regions/", {"id": 2, "name": "West", "endpoint": "http://10.0.0.5:8080/client"},
                       content_type="application/json")
    assert created.status_code == 201 and created.json()["id"] == 2
    renamed = api.patch("/api/v1/regions/2/", {"name": "Western"}, content_type="application/json")
    assert renamed.json()["name"] == "Western"
    assert api.delete("/api/v1/regions/1/").status_code == 400
    assert api.delete("/api/v1/regions/2/").status_code == 204
