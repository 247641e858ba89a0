"""The DNS-log receiver process (hotspot.dnslog): ``python -m dnslog``."""
