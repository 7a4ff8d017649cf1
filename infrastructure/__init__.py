"""Regions, zones, pods, clusters, hosts, storage, global settings; hypervisor drivers (built by the issues that follow the foundation)."""
