"""make journey: the learner's own path through the kata, read from their journal.

Per exercise: how many checks it took, the time from the first check on it to the first that
passed it (idle gaps over IDLE seconds left out), and the causes met on the way with how many
checks each took to get past. In the terminal as text; beside the journal as a page with a
timeline of every check, coloured by exercise, a ring where a cause was named.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Optional

from kata.core import journal
from kata.core.curriculum import EXERCISES
from kata.core.journal import COLOURS, IDLE, Leg, Run, legs, worked_at
from kata.core.sanitise import html_text, visible_line
from kata.learner.commands import Spelling

PAGE = journal.PATH.parent / "journey.html"


def _minutes(seconds: float) -> str:
    return f"{seconds / 60:.0f} min" if seconds >= 60 else f"{seconds:.0f} s"


def _row(leg: Leg) -> tuple[str, str, str, str]:
    """An exercise's line: its name, its checks, the time to pass it, the causes met on it."""
    to_pass = _minutes(leg.seconds) if leg.passed is not None else f"not yet ({_minutes(leg.seconds)} so far)"
    met = [f"{cause} ({n})" for cause, n in leg.causes.items()]
    met += [f"failing with no cause named ({leg.unnamed})"] * (leg.unnamed > 0)
    return leg.exercise, str(leg.runs), to_pass, ", ".join(met) or "-"


HEADS = ("exercise", "checks", "to pass", "causes met (checks in a row)")


def as_text(runs: list[Run], spelling: Spelling) -> str:
    if not runs:
        return (f"Your journal is empty: it gets a record with each {spelling.command('check')} "
                "of your exercises (unless KATA_JOURNAL=0).")
    started = time.strftime("%Y-%m-%d %H:%M", time.localtime(runs[0].at))
    lines = [f"Your journey: {len(runs)} checks since {started}.", ""]
    rows = [HEADS, *(_row(leg) for leg in legs(runs))]
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    lines += [f"  {a:<{widths[0]}}  {b:>{widths[1]}}  {c:<{widths[2]}}  {visible_line(d)}" for a, b, c, d in rows]
    lines += ["", f"Breaks over {IDLE // 60} minutes between two checks are left out of the times."]
    return "\n".join(lines)


def as_html(runs: list[Run]) -> str:
    """The same table, then a timeline: a dot per check in its exercise's row, a ring round a dot
    whose check named a cause, time worked along the bottom."""
    colour = {e.name: COLOURS[i % len(COLOURS)] for i, e in enumerate(EXERCISES)}
    rows = "".join("<tr>" + "".join(f"<td>{html_text(cell)}</td>" for cell in _row(leg)) + "</tr>"
                   for leg in legs(runs))
    # Time runs left to right (kata.core.journal.worked_at).
    xs = worked_at(runs)
    width, span = 800.0, max(xs[-1] if xs else 0.0, 1.0)
    names = [e.name for e in EXERCISES]
    marks = []
    for run, at in zip(runs, xs):
        cx = 10 + (width - 20) * at / span
        cy = 15 + 20 * (names.index(run.current) if run.current in names else len(names))
        what = f"{run.current or 'every exercise passing'}: {run.cause or 'no cause named'}"
        marks.append(f'<circle cx="{cx:.1f}" cy="{cy}" r="4" fill="{colour.get(run.current, "#999999")}">'
                     f"<title>{html_text(what)}</title></circle>")
        if run.cause:
            marks.append(f'<circle cx="{cx:.1f}" cy="{cy}" r="7" fill="none" stroke="#333333"/>')
    labels = "".join(f'<text x="{width + 6}" y="{19 + 20 * i}">{html_text(name)}</text>'
                     for i, name in enumerate([*names, "all passing"]))
    axis_y = 20 * (len(names) + 1) + 10
    step = _tick_step(span)
    ticks = "".join(f'<line x1="{10 + (width - 20) * t / span:.1f}" y1="{axis_y}" '
                    f'x2="{10 + (width - 20) * t / span:.1f}" y2="{axis_y + 4}" stroke="#888888"/>'
                    f'<text x="{10 + (width - 20) * t / span:.1f}" y="{axis_y + 16}" text-anchor="middle">'
                    f"{_minutes(t)}</text>" for t in _ticks(span, step))
    axis = (f'<line x1="10" y1="{axis_y}" x2="{width - 10}" y2="{axis_y}" stroke="#888888"/>{ticks}'
            f'<text x="{width / 2}" y="{axis_y + 32}" text-anchor="middle">time worked (a break counts as '
            "1 min)</text>")
    return ("<!DOCTYPE html><html><head><meta charset=utf-8><title>Your journey</title><style>"
            "body{font-family:system-ui,sans-serif;margin:2em} td,th{padding:2px 10px;text-align:left}"
            "svg text{font-size:12px}</style></head><body><h1>Your journey</h1>"
            f"<p>{len(runs)} checks. Breaks over {IDLE // 60} minutes are left out of the times.</p>"
            "<table><tr>" + "".join(f"<th>{head}</th>" for head in HEADS) + f"</tr>{rows}</table>"
            "<h2>Every check</h2><p>A dot per check, in the row of the exercise it was on; a ring round it "
            "where the check named a cause (hover a dot to read it).</p>"
            f'<svg xmlns="http://www.w3.org/2000/svg" width="{width + 100:.0f}" '
            f'height="{axis_y + 40}">{"".join(marks)}{labels}{axis}</svg></body></html>\n')


def _tick_step(span: float) -> float:
    """Seconds between two ticks of the time axis: a round number, about six ticks in all."""
    return next((step for step in (10, 30, 60, 120, 300, 600, 1800, 3600, 7200) if span / step <= 8), 14400.0)


def _ticks(span: float, step: float) -> list[float]:
    return [i * step for i in range(int(span // step) + 1)]


def main(argv: Optional[list[str]] = None, *, spelling: Spelling = Spelling.PYTHON,
         path: Path = journal.PATH, page: Path = PAGE) -> int:
    argparse.ArgumentParser(prog="make journey", description=__doc__.split("\n\n")[0]).parse_args(argv)
    runs = journal.runs(path)
    print(as_text(runs, spelling))
    if runs:
        page.parent.mkdir(parents=True, exist_ok=True)
        page.write_text(as_html(runs), encoding="utf-8")
        print(f"The timeline of every check: {page}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
