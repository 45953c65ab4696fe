"""The dashboard server: a JSON API over the read side, live updates, and the built web UI.

Nothing but the entry points (``deepscope.serve``, ``deepscope serve``) imports this package, so
``import deepscope`` never loads Starlette.
"""

from .app import create_app

__all__ = ["create_app"]
