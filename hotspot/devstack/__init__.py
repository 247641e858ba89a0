"""Local stack tooling: a private PostgreSQL cluster and a FreeRADIUS process.

Used by ``hotspot run`` (the README's ``make run``), by the test suite and by the
benchmarks, so all three start the real components the same way.
"""
