"""Use cases. Each takes a Session and flushes; the caller commits."""
