"""Seeing what the fake does: the terminal request log and the inspector page at `/_mock/ui`.

Both only observe: the log listens to the request journal, and the page reads and drives the fake
through the `/_mock` API like any other client.
"""

from .log import install_request_log, request_line

__all__ = ["install_request_log", "request_line"]
