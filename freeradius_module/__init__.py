"""The rlm_python3 entry point: FreeRADIUS attribute tuples in, a decision out."""
