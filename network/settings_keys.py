"""Network settings the guide names (remote-access VPN, VPC limits)."""
from cloudstack_ui.config.keys import ConfigKey, declare

REMOTE_ACCESS_VPN_CLIENT_IP_RANGE = declare(ConfigKey(
    "remote.access.vpn.client.ip.range", "Network", "string", "10.1.2.1-10.1.2.8",
    "Addresses given to remote-access VPN clients", scope="account"))
REMOTE_ACCESS_VPN_PSK_LENGTH = declare(ConfigKey(
    "remote.access.vpn.psk.length", "Network", "integer", "24",
    "Length of the pre-shared key of remote-access VPNs", min_value=8, max_value=256))
REMOTE_ACCESS_VPN_USER_LIMIT = declare(ConfigKey(
    "remote.access.vpn.user.limit", "Network", "integer", "8", "Most VPN users per account", min_value=1,
    scope="account"))
MAX_ACCOUNT_VPCS = declare(ConfigKey(
    "max.account.vpcs", "Network", "integer", "20", "Most VPCs an account may have", min_value=0, scope="account"))
VPC_MAX_NETWORKS = declare(ConfigKey(
    "vpc.max.networks", "Network", "integer", "3", "Most tiers (networks) in a VPC", min_value=1))
NETWORK_GC_INTERVAL = declare(ConfigKey(
    "network.gc.interval", "Network", "integer", "600",
    "Seconds between runs of the network garbage collector (guide 13.16)", min_value=10,
    schedule="Network garbage collector"))
NETWORK_GC_WAIT = declare(ConfigKey(
    "network.gc.wait", "Network", "integer", "600",
    "Seconds an isolated network stays implemented with no running instance before it is shut down",
    min_value=0))
GUEST_DOMAIN_SUFFIX = declare(ConfigKey(
    "guest.domain.suffix", "Network", "string", "cloud.internal",
    "The network domain of isolated networks when neither the network nor its zone names one"))
