"""Providers that deliver a guest network's services on hosts: the virtual
router (a network namespace on a KVM host, a database record on a Simulator
host)."""
