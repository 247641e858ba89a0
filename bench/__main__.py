"""``python -m bench``: the RADIUS benchmark (bench/README.md).

In one run, on this machine, against one private PostgreSQL cluster:
(a) stock FreeRADIUS answering one static user from ``files`` (the ceiling);
(b) our voucher path (raddb/, rlm_sql, rlm_python3) over 100,000 vouchers and
    1,000,000 accounting rows;
(c) stock rlm_sql accounting into radacct;
(d) our accounting path (the detail spool), and the rate at which
    hotspot_acct_spool drains it into radius_sessions.
"""

from .runner import main

raise SystemExit(main())
