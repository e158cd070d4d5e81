"""Read a submitted journal's records, in a process of its own: python -I -S -c SOURCE MAX_RUNS.

The journal's bytes come on stdin; the records' fields go to stdout as JSON, or a one-line reason
to stderr with exit status 2. A journal is any bytes a learner chose, and SQLite parses it: should
a crafted file crash, stall or subvert the parser, it costs this process, which the grader runs
in its sandbox (Sandbox.reader), never the grader. Standard library only, and its source given
on the command line, so that it imports nothing of the kata or of the submission.
"""

import json
import resource
import sqlite3
import sys

MEMORY = 1 << 30  # bytes of address space: the journal is at most tens of MB
CPU_SECONDS = 20
VALUE_LIMIT = 1 << 20  # bytes of any one value SQLite hands back; the grader looks at short fields only
# The journal's tables as kata.core.journal creates them, column by column.
TABLES = {
    "runs": [("id", "INTEGER"), ("at", "REAL"), ("seconds", "REAL"), ("current", "TEXT"), ("results", "TEXT"),
             ("first_failure", "TEXT"), ("cause", "TEXT"), ("snapshot", "INTEGER"), ("files", "BLOB")],
    "latest": [("name", "TEXT"), ("text", "TEXT")],
}
FIELDS = "id, at, seconds, current, results, first_failure, cause"  # the files are never read


class Refused(Exception):
    """Why the journal is not read."""


def read(data: bytes, max_runs: int) -> list[list[object]]:
    db = sqlite3.connect(":memory:")
    db.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, VALUE_LIMIT)
    try:
        db.deserialize(data)
        # Schema code is never run (no view or trigger can act), and every page is checked as read.
        db.execute("PRAGMA trusted_schema = OFF")
        db.execute("PRAGMA cell_size_check = ON")
        check = db.execute("PRAGMA quick_check").fetchall()
        if check != [("ok",)]:
            raise Refused(f"it is damaged ({str(check[0][0])[:200]})")
        objects = db.execute("SELECT type, name FROM sqlite_master").fetchall()
        tables = sorted(name for kind, name in objects if kind == "table")
        others = [f"{kind} {name}" for kind, name in objects
                  if kind != "table" and not (kind == "index" and str(name).startswith("sqlite_autoindex_"))]
        if tables != sorted(TABLES) or others:
            raise Refused(f"it holds other tables than a journal's: {', '.join(map(str, tables + others))[:200]}")
        for table, columns in TABLES.items():
            found = [(name, kind) for _, name, kind, *_ in db.execute(f"PRAGMA table_info({table})")]
            if found != columns:
                raise Refused(f"its table {table} has other columns than a journal's")
        count = db.execute("SELECT COUNT(*) FROM runs").fetchone()[0]
        if count > max_runs:
            raise Refused(f"it holds {count} checks, more than the {max_runs} read")
        rows = [list(row) for row in db.execute(f"SELECT {FIELDS} FROM runs ORDER BY id")]
        if any(isinstance(value, bytes) for row in rows for value in row):
            raise Refused("it holds bytes where a journal holds numbers and text")
        return rows
    except sqlite3.Error as error:
        raise Refused(f"SQLite cannot read it ({error})") from None
    finally:
        db.close()


def main() -> int:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY, MEMORY))
    resource.setrlimit(resource.RLIMIT_CPU, (CPU_SECONDS, CPU_SECONDS))
    try:
        rows = read(sys.stdin.buffer.read(), int(sys.argv[1]))
    except (Refused, MemoryError) as error:
        print(str(error) or "it needs more memory than a journal does", file=sys.stderr)
        return 2
    json.dump(rows, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
