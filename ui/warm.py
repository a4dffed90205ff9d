"""Every module of the app, imported once, by one script run at a time.

Streamlit runs each session's script in its own thread. On a fresh server the first runs
import the app's modules at the same moment, and Python's per-module import locks then hand
some threads a half-initialised module (the load test saw 12 of 12 simultaneous first visits
fail with "cannot import name … from partially initialized module" or KeyError: 'db'; the
same happened inside SQLAlchemy when app.py imported it before this module).
app.py and every page import this module before any other import: its own import lock makes
the second run wait until the first has imported everything (the app's modules and, through
them, SQLAlchemy, pandas and altair), while it holds no other module's lock, so no thread can
be handed a half-made module.
"""

import importlib
import pkgutil

for _package in ("db", "services", "ui"):
    for _info in pkgutil.iter_modules(importlib.import_module(_package).__path__):
        if _info.name not in ("__main__", "warm"):
            importlib.import_module(f"{_package}.{_info.name}")
