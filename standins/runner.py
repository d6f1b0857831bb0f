"""`make run`: start the web server and the job worker. With no Shopify credentials configured
it also starts the local Shopify, Dropi and Ecomdrop stand-ins, creates a seeded demo shop and
prints the one URL to open: the simulated Shopify admin with the app inside it.
Ctrl-C (or SIGTERM) stops everything it started."""
from __future__ import annotations

import argparse
import os
import signal
import socket
import subprocess
import sys
import time

import requests

from app.config import Settings

DEMO_SHOP = "demo-shop.myshopify.com"
STAND_IN_PORTS = {"shopify": 5001, "dropi": 5002, "ecomdrop": 5003}


class StartupError(RuntimeError):
    """Something the person running `make run` has to fix (a busy port, a child that died)."""


def stand_in_environment(app_url: str, shopify_url: str, dropi_url: str,
                         ecomdrop_url: str) -> dict[str, str]:
    """Settings that point the app at the local stand-ins instead of the real services."""
    return {
        "SHOPIFY_APP_URL": app_url,
        "SHOPIFY_SHOP_URL_TEMPLATE": shopify_url + "/{shop}",
        "SHOPIFY_ADMIN_ORIGIN": shopify_url,
        "SHOPIFY_APP_BRIDGE_URL": shopify_url + "/cdn/app-bridge.js",
        "SHOPIFY_POLARIS_URL": shopify_url + "/cdn/polaris.js",
        "DROPI_URL_TEMPLATE": dropi_url + "/{country}/integrations",
        "DROPI_IMAGE_BASE_URL": dropi_url + "/",
        "ECOMDROP_BASE_URL": ecomdrop_url + "/api",
    }


def local_url(port: int) -> str:
    return f"http://127.0.0.1:{port}"


def demo_admin_url(shopify_url: str, api_key: str, shop: str = DEMO_SHOP) -> str:
    """The simulated admin page with the app open inside it."""
    return f"{shopify_url}/store/{shop.split('.')[0]}/apps/{api_key}"


def _check_port_free(host: str, port: int, what: str) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            raise StartupError(f"Port {port} ({what}) is already in use; stop whatever is "
                               f"listening there and run `make run` again.") from exc


class ProcessGroup:
    """The child processes of one run, stopped together."""

    def __init__(self, env: dict[str, str]) -> None:
        self.env = env
        self.processes: list[tuple[str, subprocess.Popen]] = []

    def spawn(self, name: str, *command: str) -> None:
        self.processes.append((name, subprocess.Popen(list(command), env=self.env)))

    def first_exited(self) -> str | None:
        return next((name for name, p in self.processes if p.poll() is not None), None)

    def wait_until_up(self, url: str, seconds: float = 60.0) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if exited := self.first_exited():
                raise StartupError(f"{exited} stopped while starting; see its output above.")
            try:
                if requests.get(url, timeout=2).status_code < 500:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.2)
        raise StartupError(f"{url} did not answer within {seconds:.0f} s")

    def stop(self) -> int:
        for _, process in self.processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for _, process in self.processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        return max((p.returncode for _, p in self.processes if (p.returncode or 0) > 0), default=0)


def start_stand_ins(group: ProcessGroup, settings: Settings) -> str:
    """Start the three stand-ins, create the seeded demo shop; returns the admin URL."""
    for name, port in STAND_IN_PORTS.items():
        group.spawn(f"{name} stand-in", sys.executable, "-m", "standins", name,
                    "--port", str(port))
    for port in STAND_IN_PORTS.values():
        group.wait_until_up(local_url(port) + "/")
    shopify = local_url(STAND_IN_PORTS["shopify"])
    response = requests.post(f"{shopify}/standin/shops",
                             json={"shop": DEMO_SHOP, "seed": True}, timeout=60)
    if response.status_code not in (200, 201):
        raise StartupError(f"The Shopify stand-in could not create {DEMO_SHOP}: {response.text}")
    return demo_admin_url(shopify, settings.shopify_api_key)


def demo_credentials() -> dict[str, str]:
    """The Dropi token (Colombia) and Ecomdrop API key the demo stand-ins accept."""
    found = {}
    try:
        dropi = requests.get(local_url(STAND_IN_PORTS["dropi"]) + "/standin/tokens", timeout=10)
        colombia = [t for t in dropi.json().get("tokens", []) if t.get("country") == "CO"]
        if colombia:
            found["Dropi token (Colombia)"] = colombia[0]["token"]
    except (requests.RequestException, ValueError, KeyError, AttributeError):
        pass  # the demo still runs; the merchant just has no ready-made token to paste
    from standins.ecomdrop.server import DEMO_API_KEY

    found["Ecomdrop API key"] = DEMO_API_KEY
    return found


def start_app(group: ProcessGroup, host: str, port: int) -> None:
    bin_dir = os.path.dirname(sys.executable)
    group.spawn("web server", os.path.join(bin_dir, "gunicorn"), "--bind", f"{host}:{port}",
                "--workers", "2", "--threads", "4", "--graceful-timeout", "5", "wsgi:app")
    group.spawn("job worker", os.path.join(bin_dir, "flask"), "--app", "wsgi.py", "worker")
    group.wait_until_up(f"http://{host}:{port}/healthz")


def prepare_environment(base: dict[str, str], host: str, port: int) -> tuple[dict[str, str], bool]:
    """The children's environment, and whether this is the demo (no Shopify credentials)."""
    env = dict(base)
    demo = not Settings.from_env(env).using_real_shopify
    if demo:
        urls = [local_url(STAND_IN_PORTS[name]) for name in ("shopify", "dropi", "ecomdrop")]
        env.update(stand_in_environment(f"http://{host}:{port}", *urls))
    return env, demo


def _interrupt(signum, frame):
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=5000)
    args = parser.parse_args(argv)
    env, demo = prepare_environment(os.environ.copy(), args.host, args.port)
    settings = Settings.from_env(env)  # creates the instance keys once, before the children start
    group = ProcessGroup(env)
    # Also when started in the background, where SIGINT would otherwise arrive ignored.
    signal.signal(signal.SIGTERM, _interrupt)
    signal.signal(signal.SIGINT, _interrupt)
    try:
        _check_port_free(args.host, args.port, "the app")
        if demo:
            for name, stand_in_port in STAND_IN_PORTS.items():
                _check_port_free("127.0.0.1", stand_in_port, f"the {name} stand-in")
        admin_url = start_stand_ins(group, settings) if demo else None
        start_app(group, args.host, args.port)
        problem = connect_demo(env, admin_url) if admin_url else None
        _announce(settings, admin_url, problem)
        while (exited := group.first_exited()) is None:
            time.sleep(0.5)
        print(f"\n  {exited} stopped; stopping the rest.\n", file=sys.stderr, flush=True)
    except StartupError as exc:
        print(f"\n  Could not start: {exc}\n", file=sys.stderr, flush=True)
        group.stop()
        return 1
    except KeyboardInterrupt:
        pass
    return group.stop()


def connect_demo(env: dict[str, str], admin_url: str) -> str | None:
    """Open the app once from the simulated admin (it installs by token exchange), then
    connect the demo shop with `python -m standins demo-connect`; None, or why it could not."""
    from standins.demo import flask_command, install_and_connect

    found = demo_credentials()
    if "Dropi token (Colombia)" not in found:
        return "the Dropi stand-in listed no Colombian token"
    credentials = {"dropi_country": "CO", "dropi_token": found["Dropi token (Colombia)"],
                   "ecomdrop_key": found["Ecomdrop API key"], "import_products": 3}
    return install_and_connect(admin_url, DEMO_SHOP, credentials, env,
                               flask_command(sys.executable))


def _announce(settings: Settings, admin_url: str | None, problem: str | None = None) -> None:
    if admin_url:
        lines = [f"Demo ready. Open {admin_url}",
                 f"(local Shopify, Dropi and Ecomdrop stand-ins, shop {DEMO_SHOP}; Ctrl-C stops)"]
        credentials = demo_credentials()
        if problem is None:
            lines += ["The demo shop is connected to Dropi (Colombia) and Ecomdrop: every page "
                      "has data."]
        else:
            lines += [f"The demo shop could not be connected: {problem}."]
        if credentials:
            lines += ["", "To connect the suppliers in the app's settings:" if problem else
                      "To connect them again by hand in the app's settings:"]
            lines += [f"  {name}: {value}" for name, value in credentials.items()]
        print("\n" + "\n".join("  " + line for line in lines) + "\n", flush=True)
    else:
        print(f"\n  App running at {settings.shopify_app_url} against the real Shopify; open it "
              f"from your store's admin (Ctrl-C stops)\n", flush=True)


if __name__ == "__main__":
    raise SystemExit(main())
