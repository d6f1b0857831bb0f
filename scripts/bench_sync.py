"""Benchmarks of the automatic sync against the local Shopify and Dropi stand-ins, one part per
subcommand (each part's module says what it measures):

    .venv/bin/python scripts/bench_sync.py stock [--variants 5000] [--changed 0.05]
        (scripts/sync_bench_stock.py)
    .venv/bin/python scripts/bench_sync.py mapping [--variants 50000]
        (scripts/sync_bench_mapping.py)
"""
from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))


def main(argv: list[str]) -> int:
    part = argv[0] if argv else ""
    if part == "stock":
        import sync_bench_stock as bench
    elif part == "mapping":
        import sync_bench_mapping as bench
    else:
        print(__doc__)
        return 2
    return bench.main(argv) or 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
