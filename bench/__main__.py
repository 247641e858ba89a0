"""``python -m bench``: the RADIUS benchmark (bench/README.md).

In one run, on this machine, against one private PostgreSQL cluster:
(a) stock FreeRADIUS answering one static user from ``files`` (the ceiling);
(b) our voucher path (raddb/, rlm_sql, rlm_python3) over 100,000 vouchers and
    1,000,000 accounting rows;
(c) stock rlm_sql accounting into radacct;
(d) our accounting path (the detail spool), and the rate at which
    hotspot_acct_spool drains it into radius_sessions.
"""

from __future__ import annotations

import json
import time

from . import report
from .runner import (
    PROPOSED_RESULTS_PATH,
    RESULTS_PATH,
    Bench,
    log,
    parse_args,
)


def main(argv: list[str] | None = None) -> int:
    o, args = parse_args(argv)
    bench = Bench(o, args)
    t0 = time.monotonic()
    try:
        bench.setup()
        bench.run()
    except KeyboardInterrupt:
        log("interrupted")
        bench.teardown(args.keep)
        return 130
    except BaseException:
        bench.teardown(True)  # keep the logs for a look
        raise
    bench.teardown(args.keep)
    if args.json:
        args.json.write_text(json.dumps(bench.results, indent=1))
    out = args.output or (
        None if o.quick else PROPOSED_RESULTS_PATH if args.variant else RESULTS_PATH
    )
    text = report.render(bench, args, out)
    print()
    print(text)
    if out is not None and not args.no_write:
        from .disconnect import carry_over

        out.write_text(carry_over(out, text))
        log(f"written {out}")
    log(f"total {time.monotonic() - t0:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
