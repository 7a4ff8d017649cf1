"""The virtual router of Simulator hosts: its state lives in the database
(infrastructure.SimulatedRouter, keyed by the Simulator machine), so the
web server, workers and beat all see the same router. The machine's
configured delay, refusal and failing operations apply as for instances
("router_start", "router_apply", "router_stop" fail on request)."""
import base64
import dataclasses
import hashlib
import json

from django.db import IntegrityError, transaction

from cloudstack_ui.crypto import encrypt
from infrastructure.hypervisors import HostAccess
from infrastructure.hypervisors.simulator import simulated_machine
from infrastructure.models import SimulatedRouter
from network.providers.virtual_router.config import RouterConfig, RouterInterface


def config_as_json(config: RouterConfig) -> dict:
    """The configuration as plain JSON (user data base64-encoded)."""
    data = dataclasses.asdict(config)
    for entry in data["metadata"]:
        entry["user_data"] = base64.b64encode(entry["user_data"]).decode()
    return data


def summary_of(config: RouterConfig) -> dict:
    """What a backend reports having applied: a digest of the configuration and its counts."""
    data = json.dumps(config_as_json(config), sort_keys=True)
    return {"digest": hashlib.sha256(data.encode()).hexdigest(), "dhcp_hosts": len(config.dhcp_hosts),
            "port_forwards": len(config.port_forwards), "firewall": len(config.firewall),
            "egress": len(config.egress), "static_nats": len(config.static_nats)}


class SimulatedRouterBackend:
    def prepare_bridge(self, host: HostAccess, iface: RouterInterface) -> None:
        simulated_machine(host, "router_prepare_bridge")

    def release_bridge(self, host: HostAccess, iface: RouterInterface) -> None:
        simulated_machine(host, "router_release_bridge")

    def _store(self, host: HostAccess, config: RouterConfig, operation: str) -> dict:
        machine = simulated_machine(host, operation)
        stored = {"config": config_as_json(config)}
        with transaction.atomic():
            router = SimulatedRouter.objects.select_for_update().filter(machine=machine.name, name=config.name).first()
            if router is None:
                try:
                    with transaction.atomic():
                        router = SimulatedRouter.objects.create(machine=machine.name, name=config.name, **stored)
                except IntegrityError:
                    router = SimulatedRouter.objects.select_for_update().get(machine=machine.name, name=config.name)
            router.config = stored["config"]
            router.applies += 1
            router.save(update_fields=["config", "applies"])
        return summary_of(config)

    def start(self, host: HostAccess, config: RouterConfig) -> dict:
        return self._store(host, config, "router_start")

    def apply(self, host: HostAccess, config: RouterConfig) -> dict:
        if not self.is_running(host, config.name):
            return self.start(host, config)
        return self._store(host, config, "router_apply")

    def stop(self, host: HostAccess, name: str) -> None:
        machine = simulated_machine(host, "router_stop")
        SimulatedRouter.objects.filter(machine=machine.name, name=name).delete()

    def is_running(self, host: HostAccess, name: str) -> bool:
        machine = simulated_machine(host)
        return SimulatedRouter.objects.filter(machine=machine.name, name=name).exists()

    def save_password(self, host: HostAccess, name: str, guest_ip: str, password: str) -> None:
        machine = simulated_machine(host, "router_save_password")
        with transaction.atomic():
            router = SimulatedRouter.objects.select_for_update().filter(machine=machine.name, name=name).first()
            if router is not None:
                router.passwords = {**router.passwords, guest_ip: encrypt(password)}
                router.save(update_fields=["passwords"])
