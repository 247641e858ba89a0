"""The APScheduler worker: jobs are core functions; one leader at a time runs them
(PostgreSQL advisory lock), so several workers can be started for failover."""
