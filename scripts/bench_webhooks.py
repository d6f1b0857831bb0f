"""Benchmark webhook ingest the way production runs it, against main's code on the same machine.

For each variant (this checkout, then a worktree of `--baseline-ref`, back to back) it resets the
PostgreSQL database, applies the variant's migrations, starts `gunicorn -c gunicorn.conf.py
wsgi:app` (as `make web` does) on PostgreSQL and Redis, and sends distinct signed deliveries
plus a share of duplicates (repeated event ids, as Shopify's retries are) over `--connections`
keep-alive connections. It prints deliveries/s, p50 and p99 latency, and the CPU time the
gunicorn workers spent per delivery (the figure least disturbed by other work on the machine),
per variant and their ratio.

Round trips are counted on the wire: a second, shorter run of each variant talks to PostgreSQL
through a counting TCP proxy, which counts each time the app sends after having received (one
request/answer exchange), and PostgreSQL's own `xact_commit` counter gives commits per delivery.

    .venv/bin/python scripts/bench_webhooks.py --deliveries 6000 --baseline-ref main
"""
from __future__ import annotations

import argparse
import base64
import hashlib
import hmac
import json
import os
import shutil
import selectors
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
SECRET = "bench-webhook-secret"
SHOP = "bench-store.myshopify.com"
TOPIC = "customers/data_request"


@dataclass
class Result:
    label: str
    rate: float
    p50_ms: float
    p99_ms: float
    statuses: dict
    cpu_ms: float = 0.0
    worker_cpu_shares: tuple = ()
    client_cpu_ms: float = 0.0
    round_trips: float | None = None
    commits: float | None = None


# --- deliveries ---------------------------------------------------------------------------------

def delivery_payload(n: int) -> bytes:
    """A privacy request about a customer with a few orders: ~1.5 KB, like Shopify's."""
    payload = {
        "shop_id": 954889, "shop_domain": SHOP,
        "orders_requested": [299938 + n * 10 + k for k in range(8)],
        "customer": {"id": 191167 + n, "email": f"cliente{n}@example.com",
                     "phone": "+573001112233"},
        "data_request": {"id": 9999 + n},
        "note": "Solicitud de datos del cliente " + "x" * 1000,
    }
    return json.dumps(payload).encode()


def signed_request(host: str, n: int, event_id: str) -> bytes:
    body = delivery_payload(n)
    signature = base64.b64encode(hmac.new(SECRET.encode(), body, hashlib.sha256).digest())
    headers = [
        "POST /webhooks HTTP/1.1", f"Host: {host}", "Content-Type: application/json",
        f"Content-Length: {len(body)}", f"X-Shopify-Topic: {TOPIC}",
        f"X-Shopify-Shop-Domain: {SHOP}", "X-Shopify-API-Version: 2026-10",
        f"X-Shopify-Webhook-Id: {uuid.uuid4()}", f"X-Shopify-Event-Id: {event_id}",
        "X-Shopify-Triggered-At: 2026-11-22T10:00:00.000Z",
        f"X-Shopify-Hmac-Sha256: {signature.decode()}",
    ]
    return ("\r\n".join(headers) + "\r\n\r\n").encode() + body


def build_requests(host: str, count: int, duplicate_share: float) -> list[bytes]:
    """`count` requests; every 1/duplicate_share-th repeats the event id of an earlier one."""
    requests, event_ids = [], []
    every = round(1 / duplicate_share) if duplicate_share > 0 else 0
    for n in range(count):
        if every and n % every == every - 1 and event_ids:
            event_id = event_ids[(n * 7919) % len(event_ids)]
        else:
            event_id = str(uuid.uuid4())
            event_ids.append(event_id)
        requests.append(signed_request(host, n, event_id))
    return requests


# --- load ---------------------------------------------------------------------------------------

class Client:
    """One keep-alive connection sending one request at a time, driven by `send_all`'s loop."""

    def __init__(self, port: int) -> None:
        self.sock = socket.create_connection(("127.0.0.1", port))
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.sock.setblocking(False)
        self.buffer = b""
        self.started = 0.0
        self.request = b""

    def response_status(self) -> int | None:
        """The status of the response when it has fully arrived, else None."""
        head_end = self.buffer.find(b"\r\n\r\n")
        if head_end < 0:
            return None
        head = self.buffer[:head_end].decode("latin-1").lower()
        length_at = head.find("content-length:")
        length = int(head[length_at + 15:].split("\r\n", 1)[0]) if length_at >= 0 else 0
        if len(self.buffer) < head_end + 4 + length:
            return None
        self.buffer = self.buffer[head_end + 4 + length:]
        return int(head.split(" ", 2)[1])


def send_all(port: int, requests: list[bytes], connections: int):
    """Send every request over `connections` keep-alive connections from one thread (so the load
    generator takes as little CPU from the server as it can); (seconds, latencies, statuses)."""
    selector = selectors.DefaultSelector()
    pending = iter(requests)
    latencies: list[float] = []
    statuses: dict[int, int] = {}

    def send_next(client: Client) -> bool:
        request = next(pending, None)
        if request is None:
            return False
        client.started = time.perf_counter()
        client.request = request
        client.sock.setblocking(True)
        client.sock.sendall(request)
        client.sock.setblocking(False)
        return True

    started = time.perf_counter()
    for _ in range(connections):
        client = Client(port)
        selector.register(client.sock, selectors.EVENT_READ, client)
        send_next(client)
    busy = connections
    while busy:
        for key, _ in selector.select(timeout=30):
            client = key.data
            chunk = client.sock.recv(65536)
            if not chunk:  # a worker recycled (max_requests): send it again, as Shopify would
                selector.unregister(client.sock)
                client.sock.close()
                replacement = Client(port)
                replacement.started = client.started
                selector.register(replacement.sock, selectors.EVENT_READ, replacement)
                replacement.request = client.request
                replacement.sock.setblocking(True)
                replacement.sock.sendall(client.request)
                replacement.sock.setblocking(False)
                continue
            client.buffer += chunk
            status = client.response_status()
            if status is None:
                continue
            latencies.append(time.perf_counter() - client.started)
            statuses[status] = statuses.get(status, 0) + 1
            if not send_next(client):
                selector.unregister(client.sock)
                client.sock.close()
                busy -= 1
    return time.perf_counter() - started, latencies, statuses


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


# --- PostgreSQL: reset, commits, counting proxy ---------------------------------------------------

def psql(database_url: str, sql: str) -> str:
    import psycopg

    with psycopg.connect(database_url, autocommit=True) as connection:
        cursor = connection.execute(sql)
        return str(cursor.fetchone()[0]) if cursor.description else ""


def reset_database(database_url: str) -> None:
    psql(database_url, "DROP SCHEMA public CASCADE; CREATE SCHEMA public;")


def commits(database_url: str) -> int:
    # PostgreSQL 15 flushes its statistics at most once a second.
    time.sleep(1.2)
    return int(psql(database_url, "SELECT xact_commit FROM pg_stat_database "
                                  "WHERE datname = current_database()"))


class CountingProxy:
    """TCP proxy to PostgreSQL counting request/answer exchanges: each burst the client sends
    after having received something (or first) is one round trip."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        self.round_trips = 0
        self.lock = threading.Lock()
        self.listener = socket.socket()
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(64)
        self.port = self.listener.getsockname()[1]
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            client, _ = self.listener.accept()
            server = socket.create_connection(self.target)
            for sock in (client, server):
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            state = {"awaiting_answer": False}
            threading.Thread(target=self._pipe, args=(client, server, state, True),
                             daemon=True).start()
            threading.Thread(target=self._pipe, args=(server, client, state, False),
                             daemon=True).start()

    def _pipe(self, source, sink, state, from_client: bool) -> None:
        try:
            while chunk := source.recv(65536):
                with self.lock:
                    if from_client and not state["awaiting_answer"]:
                        self.round_trips += 1
                    state["awaiting_answer"] = from_client
                sink.sendall(chunk)
        except OSError:
            pass
        finally:
            for sock in (source, sink):
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass


# --- one variant ------------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def variant_env(database_url: str, redis_url: str, port: int, instance: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SHOPIFY_", "WEB_"))}
    env.update(DATABASE_URL=database_url, REDIS_URL=redis_url, BIND=f"127.0.0.1:{port}",
               SHOPIFY_API_SECRET=SECRET, INSTANCE_PATH=str(instance), FLASK_APP="wsgi.py",
               PROMETHEUS_MULTIPROC_DIR=str(instance / "prometheus"),
               WEB_ACCESS_LOG=str(instance / "access.log"), PYTHONPATH="")
    return env


def start_gunicorn(code_dir: Path, env: dict, port: int, log: Path) -> subprocess.Popen:
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", os.environ.get("BENCH_GUNICORN_CONF", "gunicorn.conf.py"), "wsgi:app"],
        cwd=code_dir, env=env, stdout=log.open("ab"), stderr=subprocess.STDOUT,
        start_new_session=True)
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1) as sock:
                sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
                if b" 200 " in sock.recv(1024):
                    return process
        except OSError:
            time.sleep(0.3)
    stop(process)
    raise SystemExit(f"gunicorn did not start; see {log}")


def worker_pids(process: subprocess.Popen) -> list[int]:
    children = Path(f"/proc/{process.pid}/task/{process.pid}/children").read_text().split()
    return [int(pid) for pid in children]


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process (Linux /proc), 0 once it has exited."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def stop(process: subprocess.Popen) -> None:
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)


def migrate(code_dir: Path, env: dict, log: Path) -> None:
    subprocess.run([sys.executable, "-m", "flask", "db", "upgrade"], cwd=code_dir, env=env,
                   check=True, stdout=log.open("ab"), stderr=subprocess.STDOUT)


def flush_redis(redis_url: str) -> None:
    import redis

    redis.Redis.from_url(redis_url).flushdb()


def with_port(database_url: str, port: int) -> str:
    parts = urlsplit(database_url)
    host = f"{parts.username}@" if parts.username else ""
    return urlunsplit(parts._replace(netloc=f"{host}127.0.0.1:{port}"))


def run_variant(label: str, code_dir: Path, args, work: Path) -> Result:
    instance = work / label
    instance.mkdir(parents=True, exist_ok=True)
    log = instance / "gunicorn.log"
    port = free_port()
    env = variant_env(args.database_url, args.redis_url, port, instance)
    reset_database(args.database_url)
    flush_redis(args.redis_url)
    migrate(code_dir, env, log)
    host = f"127.0.0.1:{port}"

    process = start_gunicorn(code_dir, env, port, log)
    try:
        send_all(port, build_requests(host, args.warmup, 0), args.connections)
        requests = build_requests(host, args.deliveries, args.duplicates)
        workers = worker_pids(process)
        cpu_before = [cpu_seconds(pid) for pid in workers]
        client_before = time.process_time()
        seconds, latencies, statuses = send_all(port, requests, args.connections)
        client_used = time.process_time() - client_before
        per_worker = [cpu_seconds(pid) - before for pid, before in zip(workers, cpu_before)]
        cpu_used = sum(per_worker)
    finally:
        stop(process)
    result = Result(label, len(requests) / seconds, percentile(latencies, 0.5) * 1000,
                    percentile(latencies, 0.99) * 1000, statuses,
                    cpu_ms=cpu_used * 1000 / len(requests),
                    client_cpu_ms=client_used * 1000 / len(requests),
                    worker_cpu_shares=tuple(sorted((w / cpu_used if cpu_used else 0.0
                                                    for w in per_worker), reverse=True)))

    target = urlsplit(args.database_url)
    proxy = CountingProxy((target.hostname or "127.0.0.1", target.port or 5432))
    port = free_port()
    env = variant_env(with_port(args.database_url, proxy.port), args.redis_url, port, instance)
    commits_before = commits(args.database_url)
    process = start_gunicorn(code_dir, env, port, log)
    try:
        warmup = build_requests(host, 200, 0)
        send_all(port, warmup, args.connections)
        counted = build_requests(host, args.counted, args.duplicates)
        trips_before = proxy.round_trips
        send_all(port, counted, args.connections)
        trips_after = proxy.round_trips
    finally:
        stop(process)  # PostgreSQL's backends report their counters when they exit
    # the round trips of the warm run; the commits of the whole run (the reading is one more)
    result.round_trips = (trips_after - trips_before) / len(counted)
    result.commits = (commits(args.database_url) - commits_before - 1) / (len(warmup) + len(counted))
    return result


def baseline_checkout(ref: str, work: Path) -> Path:
    path = work / "baseline-code"
    subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", str(path), ref],
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return path


def report(result: Result) -> None:
    statuses = ", ".join(f"{code}: {count}" for code, count in sorted(result.statuses.items()))
    print(f"{result.label:>9}: {result.rate:7.1f} deliveries/s   p50 {result.p50_ms:6.1f} ms   "
          f"p99 {result.p99_ms:6.1f} ms   {result.cpu_ms:.2f} ms web CPU/delivery   "
          f"{result.round_trips:.2f} database round trips and "
          f"{result.commits:.2f} commits per delivery   (statuses {statuses})")
    shares = " / ".join(f"{share:.0%}" for share in result.worker_cpu_shares)
    print(f"{'':>11}share of the web CPU per worker: {shares}; load generator CPU "
          f"{result.client_cpu_ms:.2f} ms/delivery; load average {os.getloadavg()[0]:.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url",
                        default="postgresql://postgres@127.0.0.1:5432/bench_speed",
                        help="a PostgreSQL database the benchmark may wipe")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/6",
                        help="a Redis database the benchmark may flush")
    parser.add_argument("--deliveries", type=int, default=6000)
    parser.add_argument("--warmup", type=int, default=500)
    parser.add_argument("--counted", type=int, default=500,
                        help="deliveries of the round-trip counting run")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--duplicates", type=float, default=0.1,
                        help="share of deliveries repeating an earlier event id")
    parser.add_argument("--baseline-ref", default="main",
                        help="git ref to compare with; empty to skip")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="bench-webhooks-"))
    print(f"{args.deliveries} deliveries ({args.duplicates:.0%} duplicates), "
          f"{args.connections} connections, gunicorn -c gunicorn.conf.py on PostgreSQL + Redis; "
          f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f}")
    results = []
    try:
        if args.baseline_ref:
            results.append(run_variant("baseline", baseline_checkout(args.baseline_ref, work),
                                       args, work))
            report(results[-1])
        results.append(run_variant("this", ROOT, args, work))
        report(results[-1])
    finally:
        if args.baseline_ref:
            subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force",
                            str(work / "baseline-code")], stderr=subprocess.DEVNULL)
        shutil.rmtree(work, ignore_errors=True)
    if len(results) == 2:
        base, this = results
        print(f"    ratio: {this.rate / base.rate:.2f}x deliveries/s, "
              f"p99 {this.p99_ms:.1f} ms against {base.p99_ms:.1f} ms, "
              f"{base.cpu_ms / this.cpu_ms:.2f}x less web CPU per delivery")


if __name__ == "__main__":
    main()
