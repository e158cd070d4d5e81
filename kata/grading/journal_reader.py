"""Read a submitted journal's records, in a process of its own: python -I -S -c SOURCE LIMITS.

The journal's bytes come on stdin and LIMITS, as JSON, on the command line (the schema, the most
checks and characters read); the records' fields go to stdout as JSON, or a one-line reason
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
CPU_SECONDS = 10  # a journal of the largest size allowed is read in well under one
VALUE_LIMIT = 1 << 20  # bytes of any one value SQLite hands back; the grader looks at short fields only
FIELDS = "id, at, seconds, current, results, first_failure, cause"  # the files are never read
TEXTS = {"current": 3, "results": 4, "first_failure": 5, "cause": 6}  # where each text field is in a row


class Refused(Exception):
    """Why the journal is not read."""


def read(data: bytes, schema: str, max_runs: int, text_limits: dict[str, int], output_limit: int) -> str:
    """The journal's records as JSON, if it is a journal with the schema given, within the limits."""
    db = sqlite3.connect(":memory:")
    db.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, VALUE_LIMIT)
    try:
        db.deserialize(data)
        # No schema code may run, not even in a check of the file: a CHECK constraint or a generated
        # column is an expression evaluated on every row. So the schema must be the journal's, to
        # the letter, before anything else is read.
        db.execute("PRAGMA trusted_schema = OFF")
        db.execute("PRAGMA cell_size_check = ON")
        expected = sqlite3.connect(":memory:")
        expected.executescript(schema)
        listing = "SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY name"
        if db.execute(listing).fetchall() != expected.execute(listing).fetchall():
            raise Refused("its tables are not a journal's, as make check creates them")
        check = db.execute("PRAGMA quick_check").fetchall()
        if check != [("ok",)]:
            raise Refused(f"it is damaged ({str(check[0][0])[:200]})")
        count = db.execute("SELECT COUNT(*) FROM runs").fetchone()[0]
        if count > max_runs:
            raise Refused(f"it holds {count} checks, more than the {max_runs} read")
        rows = [list(row) for row in db.execute(f"SELECT {FIELDS} FROM runs ORDER BY id")]
    except sqlite3.Error as error:
        raise Refused(f"SQLite cannot read it ({error})") from None
    finally:
        db.close()
    for number, row in enumerate(rows, 1):
        if any(isinstance(value, bytes) for value in row):
            raise Refused(f"its check {number} holds bytes where a journal holds numbers and text")
        for name, place in TEXTS.items():
            text = row[place]
            if isinstance(text, str) and (len(text) > text_limits[name] or not text.isprintable()):
                raise Refused(f"its check {number} has a {name} that is not a line of at most "
                              f"{text_limits[name]} characters")
    output = json.dumps(rows)
    if len(output) > output_limit:
        raise Refused("its records are larger than a journal's")
    return output


def main() -> int:
    limits = json.loads(sys.argv[1])
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY, MEMORY))
    resource.setrlimit(resource.RLIMIT_CPU, (CPU_SECONDS, CPU_SECONDS))
    # Its output goes to files: even a reader taken over cannot write more than this to them.
    written = limits["output_limit"] + 4096
    resource.setrlimit(resource.RLIMIT_FSIZE, (written, written))
    try:
        output = read(sys.stdin.buffer.read(), limits["schema"], limits["max_runs"], limits["text_limits"],
                      limits["output_limit"])
    except (Refused, MemoryError, RecursionError) as error:
        print(str(error) if isinstance(error, Refused) else f"reading it ran out of {type(error).__name__[:-5]}",
              file=sys.stderr)
        return 2
    sys.stdout.write(output)
    return 0


if __name__ == "__main__":
    sys.exit(main())
