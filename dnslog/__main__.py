"""``python -m dnslog``: receive the routers' DNS log by UDP syslog into
``dns_names`` until SIGTERM or Ctrl-C (hotspot.dnslog says how)."""

from __future__ import annotations

import logging
import signal
import sys
import threading

from hotspot.db import make_engine
from hotspot.dnslog import Receiver
from hotspot.settings import Settings


def main() -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    settings = Settings.from_env()
    engine = make_engine(settings.database_url_for("flows"))
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    receiver = Receiver(engine, settings.dnslog_host, settings.dnslog_port)
    try:
        receiver.serve(stop)
    except KeyboardInterrupt:
        pass
    finally:
        engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
