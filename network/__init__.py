"""Physical networks, IP ranges, guest networks, security groups and network rules (built by the issues that follow the foundation)."""
