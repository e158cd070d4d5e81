"""Submissions whose exercise files are unusually alike, for the instructor's class report.

Each file is fingerprinted with copydetect, on this machine: its tokens with every name
made the same, cut into k-grams of `noise` characters and winnowed so that any match of
`guarantee` characters is caught. Two files are alike when many of one's fingerprints are
also the other's.

What the stub already holds is the same in every submission, so it never counts: its
k-grams are copydetect's boilerplate, and a fingerprint must also touch a line the learner
wrote. The second rule matters because boilerplate alone keeps the seams: deleting the same
`raise NotImplementedError` from the same stub makes the same new k-grams in every
submission. A line is the learner's unless the stub has it (indentation aside), it is blank
or a comment, or it only stands in for an answer (pass, ..., raise NotImplementedError).
"""

from __future__ import annotations

import contextlib
import functools
import io
import re
from collections import Counter
from dataclasses import dataclass
from itertools import combinations
from typing import Any

import numpy as np
import numpy.typing as npt

MAX_REGIONS = 3  # per pair: enough to judge, short enough to read
MAX_LINES = 25  # per side of a region
# What a learner leaves where an answer goes: no more theirs than the stub's TODO was.
_PLACEHOLDER = re.compile(r"pass|\.\.\.|raise NotImplementedError\b.*")
_HEADER = re.compile(r"(async\s+)?def\s|class\s")


@dataclass(frozen=True)
class Region:
    """One stretch of code both submissions share, as plain text."""

    left: str  # the lines of the first submission's file around the shared part
    right: str  # the same for the second


@dataclass(frozen=True)
class Pair:
    first: str  # submission names, first < second
    second: str
    file: str  # e.g. "value.py"
    first_share: float  # fraction (0..1) of the first's non-stub tokens found in the second
    second_share: float  # and the other way round
    regions: tuple[Region, ...]  # at most MAX_REGIONS, largest first


@dataclass(frozen=True)
class _Spot:
    """Where one fingerprint of a file lies: in which block of the learner's lines, and which lines."""

    block: int  # the learner's lines form blocks, split by the stub's lines between them
    first_line: int
    last_line: int


@dataclass
class _Printed:
    """One submission's file, fingerprinted with the stub set aside."""

    lines: list[str]
    own: list[bool]  # whether each line is the learner's
    code: Any  # copydetect's CodeFingerprint, keeping only the fingerprints on the learner's lines
    spots: dict[int, list[_Spot]]  # fingerprint hash -> where it lies
    blocks: dict[int, set[int]]  # block -> the hashes of the fingerprints that lie in it


def similar_pairs(submissions: dict[str, dict[str, bytes]], stubs: dict[str, bytes],
                  threshold: float = 0.5, noise: int = 25, guarantee: int = 30) -> list[Pair]:
    """Pairs whose file (same file name) shares at least threshold of either side's tokens, once the stub's
    code is removed as boilerplate; most alike first."""
    if not 0 < noise <= guarantee:
        raise ValueError(f"need 0 < noise <= guarantee, not noise={noise}, guarantee={guarantee}")
    copydetect = _copydetect()
    pairs = []
    for file in sorted({file for files in submissions.values() for file in files}):
        stub = stubs.get(file, b"")
        stub_lines = _lines(stub)
        # Every k-gram of the stub (a window of 1 keeps them all), not only those winnowing picks.
        boilerplate = _fingerprint(copydetect, file, "\n".join(stub_lines), noise, 1).hashes
        stub_set = {line.strip() for line in stub_lines}
        printed: dict[str, _Printed] = {}
        for name in sorted(submissions):
            content = submissions[name].get(file)
            if content is not None and content != stub:
                found = _printed(copydetect, file, content, stub_set, boilerplate, noise, guarantee)
                if found is not None:
                    printed[name] = found
        for (first, a), (second, b) in combinations(printed.items(), 2):
            _, shares, _ = copydetect.compare_files(a.code, b.code)
            first_share, second_share = float(shares[0]), float(shares[1])
            if max(first_share, second_share) >= threshold:
                pairs.append(Pair(first, second, file, first_share, second_share, _regions(a, b)))
    pairs.sort(key=lambda p: (-max(p.first_share, p.second_share), -min(p.first_share, p.second_share),
                              p.file, p.first, p.second))
    return pairs


@functools.cache
def _copydetect() -> Any:
    """copydetect, imported on first use: it imports matplotlib, which takes a second and may print
    (about its cache folder, say) into the grader's output, so whatever it prints is dropped."""
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        import copydetect  # type: ignore[import-untyped]
        import copydetect.utils  # type: ignore[import-untyped]
    return copydetect


def _lines(content: bytes) -> list[str]:
    """The file's lines, its newlines as Pygments reads them, so that positions agree.

    Pygments also drops newlines at the very start; undecodable bytes become U+FFFD.
    """
    text = content.decode("utf-8-sig", errors="replace")
    return text.replace("\r\n", "\n").replace("\r", "\n").lstrip("\n").split("\n")


def _fingerprint(copydetect: Any, file: str, text: str, noise: int, window: int,
                 boilerplate: Any = None) -> Any:
    return copydetect.CodeFingerprint(file, noise, window, boilerplate=boilerplate,
                                      language="python", fp=io.StringIO(text))


def _printed(copydetect: Any, file: str, content: bytes, stub_lines: set[str], boilerplate: set[int],
             noise: int, guarantee: int) -> _Printed | None:
    """The file fingerprinted, or None when too little of it is the learner's to tell copying from
    chance: fingerprints cover fewer than `guarantee` characters of their filtered code."""
    lines = _lines(content)
    own = [_is_own(line, stub_lines) for line in lines]
    if not any(own):
        return None
    code = _fingerprint(copydetect, file, "\n".join(lines), noise, guarantee - noise + 1,
                        np.array(sorted(boilerplate)))
    line_of = _line_of_each_token(code, lines)
    own_token = np.array(own, dtype=bool)[line_of]
    # own_before[i]: how many of the first i characters are on the learner's lines.
    own_before = np.concatenate([[0], np.cumsum(own_token)])
    kept: dict[int, list[int]] = {}
    for digest, starts in code.hash_idx.items():
        mine = [int(s) for s in starts if own_before[s + noise] > own_before[s]]
        if mine:
            kept[int(digest)] = mine
    covered = np.zeros(len(own_token), dtype=bool)
    for starts in kept.values():
        for s in starts:
            covered[s:s + noise] = True
    if int(np.sum(covered & own_token)) < guarantee:
        return None
    code.hashes = set(kept)
    code.hash_idx = kept
    code.token_coverage = copydetect.utils.get_token_coverage(kept, noise, len(own_token))
    block = _blocks(lines, own)
    spots = {digest: [_spot(s, noise, line_of, block) for s in starts] for digest, starts in kept.items()}
    blocks: dict[int, set[int]] = {}
    for digest, where in spots.items():
        for spot in where:
            blocks.setdefault(spot.block, set()).add(digest)
    return _Printed(lines, own, code, spots, blocks)


def _is_own(line: str, stub_lines: set[str]) -> bool:
    stripped = line.strip()
    return bool(stripped) and not stripped.startswith("#") and stripped not in stub_lines \
        and not _PLACEHOLDER.fullmatch(stripped)


def _line_of_each_token(code: Any, lines: list[str]) -> npt.NDArray[np.intp]:
    """The line of each character of the filtered code (names made V, strings S, spaces dropped).

    copydetect's offsets say how many characters filtering removed before each listed position.
    """
    size = len(code.filtered_code)
    position = np.arange(size)
    offsets = np.asarray(code.offsets, dtype=np.int64).reshape(-1, 2)
    if len(offsets):
        entry = np.clip(np.searchsorted(offsets[:, 0], position), 0, len(offsets) - 1)
        # A class name's entry holds its own length, not the running total: keep positions in order.
        position = np.maximum.accumulate(position + offsets[entry, 1])
    line_starts = np.cumsum([0] + [len(line) + 1 for line in lines[:-1]])
    line_of: npt.NDArray[np.intp] = np.searchsorted(line_starts, position, side="right") - 1
    return np.minimum(line_of, len(lines) - 1)


def _blocks(lines: list[str], own: list[bool]) -> list[int]:
    """For each line, the number of its block of the learner's lines, or -1 if it is not theirs.

    A block ends where a line of the stub's code comes between; blank lines and comments do not end it.
    """
    blocks, count, split = [], 0, True
    for line, mine in zip(lines, own):
        if mine:
            count += split
            split = False
        elif line.strip() and not line.strip().startswith("#"):
            split = True
        blocks.append(count - 1 if mine else -1)
    return blocks


def _spot(start: int, noise: int, line_of: npt.NDArray[np.intp], block: list[int]) -> _Spot:
    """Where the k-gram at start lies: the first block of the learner's lines it touches."""
    lines = [int(line) for line in line_of[start:start + noise]]
    home = next(block[line] for line in lines if block[line] >= 0)
    mine = [line for line in lines if block[line] == home]
    return _Spot(home, mine[0], mine[-1])


def _regions(a: _Printed, b: _Printed) -> tuple[Region, ...]:
    """The blocks of a's lines that share most with b: in each, the longest shared stretch beside
    the stretch of b it shares most with."""
    shared = a.spots.keys() & b.spots.keys()
    weight = Counter({block: len(hashes & shared) for block, hashes in a.blocks.items()})
    regions = []
    for home, count in weight.most_common(MAX_REGIONS):
        if not count:
            break
        first, last = _longest_run([s for d in a.blocks[home] & shared for s in a.spots[d] if s.block == home])
        inside = {digest for digest in a.blocks[home] & shared
                  if any(s.block == home and first <= s.first_line and s.last_line <= last
                         for s in a.spots[digest])}
        there = max(b.blocks, key=lambda block: len(b.blocks[block] & inside))
        right = _longest_run([s for d in inside for s in b.spots[d] if s.block == there])
        regions.append(Region(_text(a, first, last), _text(b, *right)))
    return tuple(regions)


def _longest_run(spots: list[_Spot]) -> tuple[int, int]:
    """The first and last line of the longest stretch of lines the spots cover without a gap:
    a few chance matches spread over a function are not one region."""
    covered = sorted({line for spot in spots for line in range(spot.first_line, spot.last_line + 1)})
    best = current = (covered[0], covered[0])
    for line in covered[1:]:
        current = (current[0], line) if line == current[1] + 1 else (line, line)
        if current[1] - current[0] > best[1] - best[0]:
            best = current
    return best


def _text(printed: _Printed, first: int, last: int) -> str:
    """The lines first to last, under the def or class they belong to."""
    shown = printed.lines[first:last + 1]
    header = _header(printed, first)
    if header is not None:
        indent = printed.lines[first][:len(printed.lines[first]) - len(printed.lines[first].lstrip())]
        elided = [] if header == first - 1 else [f"{indent}..."]
        shown = [printed.lines[header], *elided, *shown]
    if len(shown) > MAX_LINES:
        shown = [*shown[:MAX_LINES - 1], "..."]
    return "\n".join(shown)


def _header(printed: _Printed, first: int) -> int | None:
    """The def or class line just above the learner's lines at first, past the stub's docstring."""
    indent = len(printed.lines[first]) - len(printed.lines[first].lstrip())
    for line in range(first - 1, -1, -1):
        text = printed.lines[line]
        if _HEADER.match(text.lstrip()) and len(text) - len(text.lstrip()) < indent:
            return line
        if printed.own[line]:  # the learner's code of something else
            return None
    return None
