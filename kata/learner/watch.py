"""make watch: run make check again whenever a file in exercises/ is saved.

It polls modification times instead of using file-system events, so it also
works on WSL, network drives and editors that save by renaming.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Callable, Optional

from kata.learner import check
from kata.learner.commands import Spelling
from kata.repository import ROOT

Snapshot = tuple[tuple[str, int, int], ...]
DEFAULT_INTERVAL = 0.1  # seconds between looks: a stat of a dozen files costs far less
CLEAR = "\033[2J\033[H"


def snapshot(folder: Path) -> Snapshot:
    """Name, modification time and size of every exercise file: any save changes it."""
    files = []
    for path in sorted(folder.glob("*.py")):
        try:
            stat = path.stat()
        except FileNotFoundError:  # deleted between the glob and the stat
            continue
        files.append((path.name, stat.st_mtime_ns, stat.st_size))
    return tuple(files)


def watch(folder: Path, run: Callable[[], object], interval: float = DEFAULT_INTERVAL,
          max_runs: Optional[int] = None, clear: bool = True) -> None:
    """Call run now and after every change under folder; max_runs bounds it (for tests)."""
    runs = 0
    seen: Optional[Snapshot] = None
    while max_runs is None or runs < max_runs:
        current = snapshot(folder)
        if current != seen:
            seen = current
            if clear:
                print(CLEAR, end="")
            run()
            runs += 1
            print(f"\nWatching {folder.name}/ for saved changes (Ctrl-C to stop)...", flush=True)
        time.sleep(interval)


def main(argv: list[str] | None = None, *, spelling: Spelling = Spelling.PYTHON) -> int:
    parser = argparse.ArgumentParser(prog="make watch", description=__doc__.split("\n\n")[0])
    parser.add_argument("--interval", type=float, default=DEFAULT_INTERVAL,
                        help="seconds between looks")
    parser.add_argument("--max-runs", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    try:
        watch(ROOT / "exercises", lambda: check.main([], spelling=spelling), args.interval, args.max_runs,
              clear=sys.stdout.isatty())
    except KeyboardInterrupt:
        print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
