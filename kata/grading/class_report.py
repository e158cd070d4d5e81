"""The instructor's class report: what a class got right, what it misunderstood, who copied whom.

grader.py --report DIR writes DIR/index.html (one self-contained page: no
script, no file or server it needs) and DIR/report.md, from the graded results
(the same records as grader.py --json) and the submissions' exercise files:

- the score distribution and each exercise's mean;
- per case, the share of the class that passed it and its discrimination: the
  correlation between passing the case and the rest of the score (the total
  without that case's points), near 1 when strong submissions pass it and
  weak ones fail it, near 0 or below when it separates nobody;
- per exercise, the misconceptions the grader named, most frequent first;
- what the class met on the way, from the journals handed in (kata.grading.class_journey);
- the submissions that timed out, crashed, were refused or tripped the sandbox;
- pairs of submissions whose files are unusually alike once the stubs' code is
  removed (kata.grading.similarity, computed here: nothing is uploaded).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

from kata.core.curriculum import EXERCISES

# The class report's two escapers, one for each format: every learner string passes through one.
from kata.core.sanitise import capped, html_with_code, markdown_code, markdown_with_code
from kata.core.sanitise import html_text as _e
from kata.core.sanitise import markdown_text as _md
from kata.grading import class_journey
from kata.grading.class_journey import ClassJourney
from kata.grading.results import ClassResults, SubmissionResult
from kata.grading.similarity import Pair, similar_pairs
from kata.repository import ROOT, committed_stub

BINS = 10  # the histogram's bars: 0-9, 10-19, ..., 90-100 points
SHOWN_PAIRS = 30  # pairs of submissions shown, most alike first; the rest are counted
JOURNEY_HEADING = "What the class met on the way"
TROUBLE_LIMIT = 1000  # characters of what happened to one submission: the rest is in the JSON


@dataclass(frozen=True)
class CaseStats:
    title: str
    exercise: str
    passed_share: float
    discrimination: Optional[float]  # None when every submission passed it, or none did


@dataclass(frozen=True)
class ClassStats:
    names: list[str]
    scores: list[float]
    exercise_means: list[tuple[str, float, float]]  # name, mean points, max points
    cases: list[CaseStats]
    misconceptions: dict[str, list[tuple[str, list[str]]]]  # exercise -> (name, submissions)
    trouble: list[tuple[str, str]]  # submission, what happened
    journey: ClassJourney

    @classmethod
    def of(cls, submissions: list[SubmissionResult]) -> ClassStats:
        names = [s.submission for s in submissions]
        scores = [s.score for s in submissions]
        means = []
        for e in EXERCISES:
            points = [x.points for s in submissions for x in s.exercises if x.name == e.name]
            means.append((e.name, sum(points) / len(points) if points else 0.0, float(e.points)))
        return cls(names, scores, means, _case_stats(submissions, scores),
                   _misconceptions(submissions), _trouble(submissions), ClassJourney.of(submissions))

    def hardest_first(self) -> list[CaseStats]:
        return sorted(self.cases, key=lambda c: c.passed_share)  # stable: curriculum order within a share

    def histogram(self) -> list[int]:
        counts = [0] * BINS
        for score in self.scores:
            counts[min(BINS - 1, int(score // (100 / BINS)))] += 1
        return counts


def _case_stats(submissions: list[SubmissionResult], scores: list[float]) -> list[CaseStats]:
    stats = []
    for i, case in enumerate(submissions[0].cases if submissions else []):
        rows = [s.cases[i] for s in submissions]
        passed = [1.0 if row.passed else 0.0 for row in rows]
        rest = [score - row.points for score, row in zip(scores, rows)]
        stats.append(CaseStats(case.title, case.exercise, sum(passed) / len(passed),
                               _correlation(passed, rest)))
    return stats


def _correlation(xs: list[float], ys: list[float]) -> Optional[float]:
    """Pearson's r; None when either side does not vary (nothing to separate)."""
    n = len(xs)
    mx, my = sum(xs) / n, sum(ys) / n
    sxy = sum((x - mx) * (y - my) for x, y in zip(xs, ys))
    sxx, syy = sum((x - mx) ** 2 for x in xs), sum((y - my) ** 2 for y in ys)
    if sxx == 0 or syy == 0:
        return None
    return sxy / math.sqrt(sxx * syy)


def _misconceptions(submissions: list[SubmissionResult]) -> dict[str, list[tuple[str, list[str]]]]:
    """For each exercise, each misconception named in it and the submissions it was named in."""
    found: dict[str, dict[str, list[str]]] = {}
    for s in submissions:
        for case in s.cases:
            if case.misconception:
                who = found.setdefault(case.exercise, {}).setdefault(case.misconception, [])
                if s.submission not in who:
                    who.append(s.submission)
    return {exercise: sorted(named.items(), key=lambda item: (-len(item[1]), item[0]))
            for exercise, named in found.items()}


def _trouble(submissions: list[SubmissionResult]) -> list[tuple[str, str]]:
    """Submissions whose grading did not run plainly: timeouts, crashes, refusals, sandbox trips."""
    trouble = []
    for s in submissions:
        if s.trouble():
            trouble.append((s.submission, capped("; ".join(s.trouble()), TROUBLE_LIMIT)))
        trips = [c.reason for c in s.cases if c.tripped_sandbox]
        if trips:
            trouble.append((s.submission, f"tripped the sandbox in {len(trips)} case"
                                             f"{'s' if len(trips) > 1 else ''}: "
                                             f"{capped(trips[0], TROUBLE_LIMIT)}"))
    return trouble


def stubs(root: Path = ROOT) -> dict[str, bytes]:
    """The exercise files as committed untouched (or as they are, without git): starter code."""
    found = {}
    for e in EXERCISES:
        try:
            found[f"{e.name}.py"] = committed_stub(e.name, root)
        except RuntimeError:
            found[f"{e.name}.py"] = (root / "exercises" / f"{e.name}.py").read_bytes()
    return found


def write_report(graded: ClassResults, files: dict[str, dict[str, bytes]], folder: Path) -> list[Path]:
    """DIR/index.html and DIR/report.md for the graded class; returns both paths."""
    stats = ClassStats.of(graded.submissions)
    pairs = similar_pairs(files, stubs())
    folder.mkdir(parents=True, exist_ok=True)
    page, text = folder / "index.html", folder / "report.md"
    page.write_text(as_html(stats, pairs), encoding="utf-8")
    text.write_text(as_markdown(stats, pairs), encoding="utf-8")
    return [page, text]


# The page.

STYLE = """
body { font-family: system-ui, sans-serif; max-width: 70em; margin: 2em auto; padding: 0 1em; color: #222; }
table { border-collapse: collapse; margin: 0.5em 0 1.5em; }
th, td { padding: 3px 10px; border-bottom: 1px solid #ddd; text-align: left; vertical-align: top; }
th, td, pre, h3, p { overflow-wrap: anywhere; }  /* a learner's 200 kB word wraps, never widens the page */
th, td.word { overflow-wrap: normal; }  /* our own words: kept whole */
td.num { text-align: right; font-variant-numeric: tabular-nums; }
.bar { fill: #4a78b5; } .axis { stroke: #888; } svg text { font-size: 12px; fill: #333; }
.low { color: #b00; } pre { margin: 0; font-size: 12px; white-space: pre-wrap; }
.pair td { width: 50%; background: #fafafa; } .note { color: #666; }
"""


def as_html(stats: ClassStats, pairs: list[Pair]) -> str:
    n = len(stats.scores)
    mean = sum(stats.scores) / n if n else 0.0
    sections = [
        f"<h1>Class report</h1><p>{n} submission{'s' if n != 1 else ''}, mean score {mean:.1f} / 100.</p>",
        "<h2>Score distribution</h2>" + _histogram_svg(stats.histogram()),
        "<h2>Exercises</h2><table><tr><th>exercise</th><th>mean</th><th>of</th></tr>"
        + "".join(f"<tr><td>{_e(name)}</td><td class=num>{m:.1f}</td><td class=num>{top:g}</td></tr>"
                  for name, m, top in stats.exercise_means) + "</table>",
        "<h2>Misconceptions</h2>" + _misconceptions_html(stats, n),
        f"<h2 id=journey>{JOURNEY_HEADING}</h2>" + class_journey.as_html(stats.journey),
        "<h2>Submissions that did not run plainly</h2>" + (
            "<table><tr><th>submission</th><th>what happened</th></tr>"
            + "".join(f"<tr><td>{_e(who)}</td><td>{_e(what)}</td></tr>" for who, what in stats.trouble)
            + "</table>" if stats.trouble else "<p>None: every submission ran within its limits.</p>"),
        "<h2>Cases</h2><p class=note>Hardest first. Passed: the share of the class that passed the "
        "case. Discrimination: the correlation between passing it and the rest of the score; — where "
        "everyone or no one passed it.</p><table><tr><th>case</th><th>passed</th>"
        "<th>discrimination</th></tr>"
        + "".join(f"<tr><td>{_e(c.title)}</td><td class=num>{c.passed_share:.0%}</td>"
                  f"<td class=num>{_r(c.discrimination)}</td></tr>" for c in stats.hardest_first())
        + "</table>",
        "<h2>Similar submissions</h2>" + _pairs_html(pairs),
    ]
    return ("<!DOCTYPE html><html lang=en><head><meta charset=utf-8><title>Class report</title>"
            f"<style>{STYLE}</style></head><body>{''.join(sections)}</body></html>\n")


def _r(r: Optional[float]) -> str:
    return "—" if r is None else f"{r:.2f}"


def _histogram_svg(counts: list[int]) -> str:
    width, height, left, bottom, above = 520, 200, 30, 30, 16  # above: room for the tallest count
    bar = (width - left) / len(counts)
    top = max(counts) or 1
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height + bottom}" '
             f'role="img" aria-label="score histogram">']
    for i, count in enumerate(counts):
        h = (height - above) * count / top
        x = left + i * bar
        parts.append(f'<rect class="bar" x="{x + 2:.1f}" y="{height - h:.1f}" width="{bar - 4:.1f}" '
                     f'height="{h:.1f}"><title>{count} between {i * 10} and {i * 10 + 9 + (i == 9)}'
                     f'</title></rect>')
        if count:
            parts.append(f'<text x="{x + bar / 2:.1f}" y="{height - h - 3:.1f}" '
                         f'text-anchor="middle">{count}</text>')
        parts.append(f'<text x="{x + bar / 2:.1f}" y="{height + 16}" text-anchor="middle">'
                     f'{i * 10}</text>')
    parts.append(f'<line class="axis" x1="{left}" y1="{height}" x2="{width}" y2="{height}"/>')
    parts.append(f'<text x="{left + (width - left) / 2}" y="{height + bottom - 2}" '
                 'text-anchor="middle">score (bars of 10 points)</text></svg>')
    return "".join(parts)


def _misconceptions_html(stats: ClassStats, n: int) -> str:
    if not stats.misconceptions:
        return "<p>None named: no failing case showed a known misconception.</p>"
    rows = []
    for e in EXERCISES:
        for name, who in stats.misconceptions.get(e.name, []):
            rows.append(f"<tr><td>{_e(e.name)}</td><td>{html_with_code(name)}</td><td class=num>{len(who)} of {n}"
                        f"</td><td>{_e(', '.join(who))}</td></tr>")
    return ("<table><tr><th>exercise</th><th>misconception</th><th>submissions</th><th>which</th></tr>"
            + "".join(rows) + "</table>")


def alike(pairs: list[Pair]) -> list[tuple[str, str, list[Pair]]]:
    """The pairs grouped by pair of submissions, each group's files most alike first, and the groups
    ordered by their most alike file."""
    groups: dict[tuple[str, str], list[Pair]] = {}
    for p in pairs:
        groups.setdefault((p.first, p.second), []).append(p)
    ranked = [(first, second, sorted(files, key=_share, reverse=True))
              for (first, second), files in groups.items()]
    return sorted(ranked, key=lambda group: _share(group[2][0]), reverse=True)


def _share(p: Pair) -> float:
    return max(p.first_share, p.second_share)


def _files_line(files: list[Pair]) -> str:
    return ", ".join(f"{p.file} ({p.first_share:.0%} and {p.second_share:.0%} shared)" for p in files)


def _more(groups: list[tuple[str, str, list[Pair]]]) -> str:
    left = len(groups) - SHOWN_PAIRS
    return f"{left} more pair{'s' if left > 1 else ''} of submissions are alike too, less so." if left > 0 else ""


def _pairs_html(pairs: list[Pair]) -> str:
    groups = alike(pairs)
    if not groups:
        return "<p>No pair of submissions is unusually alike once the stubs' code is removed.</p>"
    blocks = ["<p class=note>For each file, the share of each side's own code (the stub's removed) that "
              "the other side also has. The shared code of the most alike file is shown.</p>"]
    for first, second, files in groups[:SHOWN_PAIRS]:
        top = files[0]
        regions = "".join(f'<tr class="pair"><td><pre>{_e(r.left)}</pre></td><td><pre>{_e(r.right)}</pre>'
                          "</td></tr>" for r in top.regions)
        blocks.append(f"<h3>{_e(first)} and {_e(second)}</h3><p>{_e(_files_line(files))}</p>"
                      f"<table><tr><th>{_e(first)}, {_e(top.file)}</th><th>{_e(second)}, {_e(top.file)}</th>"
                      f"</tr>{regions}</table>")
    if _more(groups):
        blocks.append(f"<p>{_more(groups)}</p>")
    return "".join(blocks)


# The same report as Markdown.


def as_markdown(stats: ClassStats, pairs: list[Pair]) -> str:
    n = len(stats.scores)
    mean = sum(stats.scores) / n if n else 0.0
    lines = ["# Class report", "", f"{n} submissions, mean score {mean:.1f} / 100.", "",
             "## Score distribution", "", "| points | submissions |", "|---|---|"]
    for i, count in enumerate(stats.histogram()):
        lines.append(f"| {i * 10}-{i * 10 + 9 + (i == BINS - 1)} | {'█' * count} {count} |")
    lines += ["", "## Exercises", "", "| exercise | mean | of |", "|---|---|---|"]
    lines += [f"| {name} | {m:.1f} | {top:g} |" for name, m, top in stats.exercise_means]
    lines += ["", "## Misconceptions", ""]
    if stats.misconceptions:
        lines += ["| exercise | misconception | submissions | which |", "|---|---|---|---|"]
        for e in EXERCISES:
            lines += [f"| {e.name} | {markdown_with_code(name)} | {len(who)} of {n} | {_md(', '.join(who))} |"
                      for name, who in stats.misconceptions.get(e.name, [])]
    else:
        lines.append("None named: no failing case showed a known misconception.")
    lines += ["", f"## {JOURNEY_HEADING}", "", *class_journey.as_markdown(stats.journey)]
    lines += ["", "## Submissions that did not run plainly", ""]
    lines += ([f"- {_md(who)}: {_md(what)}" for who, what in stats.trouble]
              or ["None: every submission ran within its limits."])
    lines += ["", "## Cases", "", "Hardest first. Passed: the share of the class that passed the case. "
              "Discrimination: the correlation between passing it and the rest of the score; — where "
              "everyone or no one passed it.", "", "| case | passed | discrimination |", "|---|---|---|"]
    lines += [f"| {_md(c.title)} | {c.passed_share:.0%} | {_r(c.discrimination)} |"
              for c in stats.hardest_first()]
    lines += ["", "## Similar submissions", ""]
    groups = alike(pairs)
    if not groups:
        lines.append("No pair of submissions is unusually alike once the stubs' code is removed.")
    for first, second, files in groups[:SHOWN_PAIRS]:
        top = files[0]
        lines += [f"### {_md(first)} and {_md(second)}", "", _md(_files_line(files)), ""]
        for r in top.regions:
            lines += [f"{_md(first)}, {_md(top.file)}:", "", markdown_code(r.left), "",
                      f"{_md(second)}, {_md(top.file)}:", "", markdown_code(r.right), ""]
    if _more(groups):
        lines.append(_more(groups))
    return "\n".join(lines) + "\n"
