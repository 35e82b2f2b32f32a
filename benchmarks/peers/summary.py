"""Print the markdown summary of one or more peers-benchmark JSON-lines files (a later row for
the same framework, dataset, budget and seed replaces an earlier one).

Example:
    .venv/bin/python benchmarks/peers/summary.py benchmarks/peers/results/*.jsonl
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from _results import read_rows
from _summary import markdown


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("files", nargs="+", type=Path, help="JSON lines written by run.py")
    args = p.parse_args(argv)
    missing = [str(f) for f in args.files if not f.exists()]
    if missing:
        print(f"no such file: {', '.join(missing)}", file=sys.stderr)
        return 2
    print(markdown(read_rows(args.files)), end="")
    return 0


if __name__ == "__main__":
    sys.exit(main())
