"""``python -m portal``: serve the portal with waitress (HOTSPOT_PORTAL_HOST/PORT)."""

from __future__ import annotations

import logging
import signal
import sys

from waitress import serve

from hotspot.settings import Settings

from . import create_app


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    settings = Settings.from_env()
    app = create_app(settings=settings)
    # A stop (systemd's SIGTERM) exits normally: the buffered ad impressions are
    # written before the process ends (portal.guest.ads.ad_views).
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    serve(app, host=settings.portal_host, port=settings.portal_port, threads=8)


if __name__ == "__main__":
    main()
