"""The catalogue of planted mistakes (tests/support/test_catalogue.py) as make check sees it, one line each.

    .venv/bin/python -m tests.support.catalogue_report

For each mistake: the exercise whose file it is planted in, whether make check
catches it (the copy does not score full marks), the causes its first failing
case names, whether that is right (the expected cause, or none when none is
expected), and whether the report shows the learner's own line (or a node of
the learner's graph). Then the totals, among them the share of mistakes that
get the right named cause or the learner's line. Exit status 0 either way:
the test file says which entries are known to fail today.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from tests.support.test_catalogue import CATALOGUE, Finding, Mistake, examine


def findings(mistakes: list[Mistake], root: Path) -> list[Finding]:
    """Every mistake examined, in order, one after another: never in threads, since the oracle
    runs in this process and borrows its globals (sys.stdout, the traced graph) while it runs."""
    cache = root / "oracle-cache.json"
    found = []
    for i, mistake in enumerate(mistakes):
        entry = root / f"entry{i}"
        entry.mkdir()
        found.append(examine(mistake, entry, cache))
    return found


def _yes(flag: bool) -> str:
    return "yes" if flag else "no"


def table(found: list[Finding]) -> str:
    header = ("mistake", "exercise", "caught?", "cause named", "right?", "line shown?")
    rows = [(f.mistake.name, f.mistake.exercise, _yes(f.caught), ", ".join(f.causes) or "-",
             f.right, _yes(f.line)) for f in found]
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    lines = ["  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip()
             for row in [header, *rows]]
    lines.insert(1, "  ".join("-" * width for width in widths))
    return "\n".join(lines)


def totals(found: list[Finding]) -> str:
    n = len(found)

    def share(count: int, of: int = n) -> str:
        return f"{count} of {of} ({100 * count / of:.0f}%)" if of else "0 of 0"

    expecting = [f for f in found if f.mistake.cause is not None]
    return "\n".join([
        f"entries:                          {n}, in {len({f.mistake.exercise for f in found})} exercises",
        f"caught (not full marks):          {share(sum(f.caught for f in found))}",
        f"right? yes:                       {share(sum(f.right == 'yes' for f in found))}",
        f"right? absent (expected unnamed): {share(sum(f.right == 'absent' for f in found))}",
        f"right? WRONG (another cause):     {share(sum(f.right == 'WRONG' for f in found))}",
        f"expected cause named:             {share(sum(f.named for f in expecting), len(expecting))}"
        " of the entries that expect one",
        f"learner's line shown:             {share(sum(f.line for f in found))}",
        f"right named cause or line shown:  {share(sum(f.helps for f in found))}",
        f"marked xfail in test_catalogue:   {sum(bool(f.mistake.fails_today) for f in found)}",
    ])


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="catalogue-") as tmp:
        found = findings(CATALOGUE, Path(tmp))
    print(table(found))
    print()
    print(totals(found))
    return 0


if __name__ == "__main__":
    sys.exit(main())
