"""The owners' cabinet (/cabinet/): statistics, live sessions, SMS, blacklist,
tariffs, cards, routers, settings and the audit log of one owner's venues."""
