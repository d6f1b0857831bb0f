"""`python -m standins NAME --port N` runs each stand-in as its own process; `make run`
points the app at them only when no Shopify credentials are configured."""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time

import pytest
import requests

from app.config import PROJECT_ROOT
from standins.runner import STAND_IN_PORTS, demo_admin_url, prepare_environment


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for(url: str, process: subprocess.Popen, seconds: float = 30) -> requests.Response:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert process.poll() is None, process.stderr.read().decode()
        try:
            return requests.get(url, timeout=1)
        except requests.ConnectionError:
            time.sleep(0.1)
    raise AssertionError(f"{url} never answered")


@pytest.fixture
def start(tmp_path):
    processes = []

    def start(*args: str, **env: str) -> tuple[str, subprocess.Popen]:
        port = free_port()
        environment = {**os.environ, "INSTANCE_PATH": str(tmp_path), **env}
        process = subprocess.Popen(
            [sys.executable, "-m", "standins", *args, "--port", str(port)], cwd=PROJECT_ROOT,
            env=environment, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        processes.append(process)
        return f"http://127.0.0.1:{port}", process

    yield start
    for process in processes:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
        process.wait(timeout=10)


def test_the_three_stand_ins_run_as_processes_and_stop_on_sigterm(start):
    shopify, shopify_process = start("shopify", "--shop", "cli-shop.myshopify.com",
                                     SHOPIFY_API_KEY="cli-key", SHOPIFY_API_SECRET="cli-secret")
    dropi, dropi_process = start("dropi")
    ecomdrop, ecomdrop_process = start("ecomdrop")
    assert wait_for(f"{dropi}/standin/tokens", dropi_process).status_code == 200
    assert wait_for(f"{ecomdrop}/standin/accounts", ecomdrop_process).status_code == 200
    admin = wait_for(demo_admin_url(shopify, "cli-key", "cli-shop.myshopify.com"),
                     shopify_process)
    assert admin.status_code == 200
    assert 'id="app-iframe"' in admin.text
    shopify_process.send_signal(signal.SIGTERM)
    assert shopify_process.wait(timeout=10) == 0


def test_a_busy_port_is_reported_plainly(start):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        process = subprocess.run(
            [sys.executable, "-m", "standins", "ecomdrop", "--port", str(port)],
            cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=30)
    assert process.returncode == 1
    assert f"Port {port} is in use" in process.stderr


def test_without_credentials_make_run_points_the_app_at_the_stand_ins(tmp_path):
    env, demo = prepare_environment({"INSTANCE_PATH": str(tmp_path)}, "127.0.0.1", 5000)
    assert demo is True
    shopify = f"http://127.0.0.1:{STAND_IN_PORTS['shopify']}"
    assert env["SHOPIFY_SHOP_URL_TEMPLATE"] == shopify + "/{shop}"
    assert env["SHOPIFY_APP_BRIDGE_URL"] == shopify + "/cdn/app-bridge.js"
    assert env["SHOPIFY_ADMIN_ORIGIN"] == shopify
    assert env["DROPI_URL_TEMPLATE"] == (
        f"http://127.0.0.1:{STAND_IN_PORTS['dropi']}" + "/{country}/integrations")
    assert env["ECOMDROP_BASE_URL"] == f"http://127.0.0.1:{STAND_IN_PORTS['ecomdrop']}/api"
    assert env["SHOPIFY_APP_URL"] == "http://127.0.0.1:5000"


def test_with_real_credentials_make_run_starts_no_stand_in(tmp_path):
    real = {"INSTANCE_PATH": str(tmp_path), "SHOPIFY_API_KEY": "real-key",
            "SHOPIFY_API_SECRET": "real-secret", "SHOPIFY_APP_URL": "https://app.example.com"}
    env, demo = prepare_environment(real, "127.0.0.1", 5000)
    assert demo is False
    assert env == real
