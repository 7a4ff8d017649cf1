"""Virtual routers of isolated networks (guide 13.1): placed, started,
stopped and destroyed with their network, and given the network's rules.
The database is the truth: a router's configuration is rendered from the
rows every time and applied idempotently by the backend of its host's
hypervisor."""
from network.models import Network


def apply_network_rules(network: Network) -> None:
    """Render the network's router configuration from the rows (rules in
    state Add or Active; those in Revoke left out) and apply it to the
    running router. No running router (the network is not implemented):
    nothing to do, the rows are rendered when it starts. Raises a
    CloudStackError naming the router when its host refuses; the caller
    then puts the rule rows back as they were."""
    raise NotImplementedError("integrated from iso/core")
