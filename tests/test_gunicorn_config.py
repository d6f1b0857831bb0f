"""The web process's gunicorn settings: accepted webhook deliveries leave no access line, every
other request does."""
from __future__ import annotations

import os
import runpy
from pathlib import Path
from types import SimpleNamespace
from unittest import mock

from gunicorn.config import Config

ROOT = Path(__file__).resolve().parent.parent


def _logger(tmp_path):
    # The file sets PROMETHEUS_MULTIPROC_DIR for gunicorn's workers; the tests after this one
    # count metrics in this process and must not inherit it.
    with mock.patch.dict(os.environ):
        settings = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    config = Config()
    config.set("accesslog", str(tmp_path / "access.log"))
    config.set("logger_class", settings["logger_class"])
    return config.logger_class(config), tmp_path / "access.log"


def _request(logger, method: str, path: str, status: int) -> None:
    response = SimpleNamespace(status=f"{status} X", status_code=status, headers=[], sent=0,
                               response_length=0)
    request = SimpleNamespace(method=method, path=path, uri=path, query="", version=(1, 1),
                              headers=[])
    environ = {"REMOTE_ADDR": "127.0.0.1", "REQUEST_METHOD": method, "RAW_URI": path,
               "SERVER_PROTOCOL": "HTTP/1.1"}
    logger.access(response, request, environ, SimpleNamespace(seconds=0, microseconds=900))


def test_accepted_deliveries_are_not_access_logged_but_refusals_and_pages_are(tmp_path):
    logger, log_file = _logger(tmp_path)

    _request(logger, "POST", "/webhooks", 200)
    _request(logger, "POST", "/webhooks", 401)
    _request(logger, "GET", "/app", 200)
    for handler in logger.access_log.handlers:
        handler.flush()

    lines = log_file.read_text().splitlines()
    assert len(lines) == 2
    assert '"POST /webhooks HTTP/1.1" 401' in lines[0] and '"GET /app HTTP/1.1" 200' in lines[1]
