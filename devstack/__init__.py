"""The local stack, a development tool beside the product (like bench/): a private
PostgreSQL cluster, FreeRADIUS with raddb/, the portal, the scheduler and the router
simulator on one machine.

``python -m devstack`` (what the README's ``make run`` runs) starts them all; the
test suite and the benchmarks start the real components through the same code.
The core (hotspot/) never imports it.
"""
