"""`make run`: start the web server and the job worker together, stop both on Ctrl-C."""
from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time


def _spawn(command: list[str]) -> subprocess.Popen:
    return subprocess.Popen(command, env=os.environ.copy())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=5000)
    args = parser.parse_args(argv)
    bin_dir = os.path.dirname(sys.executable)
    processes = [
        _spawn([os.path.join(bin_dir, "gunicorn"), "--bind", f"{args.host}:{args.port}",
                "--workers", "2", "--threads", "4", "wsgi:app"]),
        _spawn([os.path.join(bin_dir, "flask"), "--app", "wsgi.py", "worker"]),
    ]
    print(f"\n  App running at http://{args.host}:{args.port}/app  (Ctrl-C to stop)\n", flush=True)
    try:
        while all(p.poll() is None for p in processes):
            time.sleep(0.5)
    except KeyboardInterrupt:
        pass
    finally:
        for process in processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
    return max((p.returncode or 0) for p in processes)


if __name__ == "__main__":
    raise SystemExit(main())
