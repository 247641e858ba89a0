"""Core domain of the hotspot platform.

Framework-free: the portal (Flask), the FreeRADIUS module and the scheduler are thin
entry points over this package. Nothing here imports Flask.
"""

__version__ = "0.1.0"
