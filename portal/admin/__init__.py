"""The operator's admin (/admin/): owners, routers, the global blacklist, the
installation's health, and the cabinet's views across every owner."""
