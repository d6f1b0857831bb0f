"""Importing every module of app/services once: webhook handlers and sync options register
themselves when their module is imported, so their registries load all modules before they
answer."""
from __future__ import annotations

import importlib
import pkgutil
import threading

_lock = threading.Lock()
_loaded = False


def import_service_modules() -> None:
    global _loaded
    if _loaded:
        return
    with _lock:
        if _loaded:
            return
        import app.services as package  # the package whose modules register themselves

        for module in pkgutil.iter_modules(package.__path__, package.__name__ + "."):
            importlib.import_module(module.name)
        _loaded = True
