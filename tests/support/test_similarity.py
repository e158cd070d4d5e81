"""kata.grading.similarity: which submissions' files are unusually alike, with the stub's code set aside.

Submissions are built from this repository's solutions/ and its stubs as committed at HEAD.
"""

from __future__ import annotations

import re
import subprocess
import sys
from functools import cache

import pytest

from kata.core.curriculum import EXERCISES
from kata.grading.similarity import MAX_LINES, Pair, similar_pairs
from kata.repository import ROOT

FILES = [f"{exercise.name}.py" for exercise in EXERCISES]
# Local names only: the code does the same thing under other names.
RENAMES = {"other": "rhs", "operand": "arg", "exponent": "power", "order": "seq", "node": "item",
           "visited": "seen", "stack": "todo", "local_grad": "slope"}

# backward.py as someone who never saw solutions/ might write it: the order found by counting,
# for each node, the users not yet placed (Kahn's algorithm), instead of a stack of flags.
INDEPENDENT_BACKWARD = '''"""Backpropagation, with the order found by counting each node's users."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .value import Value


def topological_order(root: Value) -> list[Value]:
    """Every node root depends on, each after all of its operands; root last."""
    # First find every node once, by identity, walking a worklist.
    found: dict[int, Value] = {id(root): root}
    pending = [root]
    while pending:
        current = pending.pop()
        for operand in current._prev:
            if id(operand) not in found:
                found[id(operand)] = operand
                pending.append(operand)
    # users[n] counts the nodes not yet placed that take n as an operand.
    users = dict.fromkeys(found, 0)
    for node in found.values():
        for operand in node._prev:
            users[id(operand)] += 1
    ready = [root]
    backwards: list[Value] = []
    while ready:
        node = ready.pop()
        backwards.append(node)
        for operand in reversed(node._prev):
            users[id(operand)] -= 1
            if users[id(operand)] == 0:
                ready.append(operand)
    backwards.reverse()
    return backwards


def backward(root: Value) -> None:
    """Set every node's grad to d(root)/d(node), adding to the leaves' grads."""
    nodes = topological_order(root)
    interior = [n for n in nodes if n._prev]
    for n in interior:
        n.grad = 0.0
    root.grad = root.grad + 1.0
    i = len(nodes) - 1
    while i >= 0:
        nodes[i]._backward()
        i -= 1
'''


@cache
def stub(file: str) -> bytes:
    """The stub as committed: a learner's edits in exercises/ do not count."""
    shown = subprocess.run(["git", "show", f"HEAD:exercises/{file}"], cwd=ROOT, capture_output=True)
    if shown.returncode != 0:
        pytest.fail(f"cannot read the committed exercises/{file}: {shown.stderr.decode().strip()}")
    return shown.stdout


def stubs() -> dict[str, bytes]:
    return {file: stub(file) for file in FILES}


def solution(file: str) -> str:
    return (ROOT / "solutions" / file).read_text()


def renamed(text: str) -> str:
    return re.sub(r"\b(" + "|".join(RENAMES) + r")\b", lambda m: RENAMES[m.group()], text)


def only_the_stub(file: str, placeholder: str | None) -> bytes:
    """The stub with its TODOs gone and each raise NotImplementedError replaced (or just deleted)."""
    kept = []
    for line in stub(file).decode().split("\n"):
        if line.strip().startswith("raise NotImplementedError"):
            if placeholder is not None:
                kept.append(line[:len(line) - len(line.lstrip())] + placeholder)
        elif not line.strip().startswith("# TODO"):
            kept.append(line)
    return "\n".join(kept).encode()


def the_pair(pairs: list[Pair], file: str) -> Pair:
    found = [pair for pair in pairs if pair.file == file]
    assert len(found) == 1, f"expected one pair for {file}, got {pairs}"
    return found[0]


def test_near_copies_with_renamed_variables_are_reported_with_the_shared_code() -> None:
    files = ["value.py", "backward.py"]
    first = {file: solution(file) for file in files}
    second = {file: renamed(solution(file)) for file in files}
    assert all(first[file] != second[file] for file in files)
    pairs = similar_pairs({"ana": {f: t.encode() for f, t in first.items()},
                           "ben": {f: t.encode() for f, t in second.items()}}, stubs())
    assert {pair.file for pair in pairs} == set(files)
    for file in files:
        pair = the_pair(pairs, file)
        assert (pair.first, pair.second) == ("ana", "ben")
        assert pair.first_share > 0.9 and pair.second_share > 0.9
        assert 1 <= len(pair.regions) <= 3
        for region in pair.regions:
            # Each side is lines of its own submission's file (or a "..." for what is left out).
            for side, text in [(region.left, first[file]), (region.right, second[file])]:
                lines = side.split("\n")
                assert 0 < len(lines) <= MAX_LINES
                assert all(line in text.split("\n") or line.strip() == "..." for line in lines)
    # The shared code itself is shown: the same body under both sets of names.
    regions = the_pair(pairs, "value.py").regions
    assert any("return NotImplemented" in r.left and "return NotImplemented" in r.right for r in regions)
    assert any("isinstance(other" in r.left and "isinstance(rhs" in r.right for r in regions)


def test_independent_work_is_not_reported() -> None:
    """backward.py written another way, and value.py left as the stub beside the solution."""
    pairs = similar_pairs({
        "ana": {"backward.py": solution("backward.py").encode(), "value.py": stub("value.py")},
        "ben": {"backward.py": INDEPENDENT_BACKWARD.encode(), "value.py": solution("value.py").encode()},
    }, stubs())
    assert pairs == []


def test_a_file_equal_to_the_stub_is_not_reported_for_that_file() -> None:
    both = {"value.py": stub("value.py"), "backward.py": solution("backward.py").encode()}
    pairs = similar_pairs({"ana": dict(both), "ben": dict(both)}, stubs(), threshold=0.0)
    assert [pair.file for pair in pairs] == ["backward.py"]


@pytest.mark.parametrize("placeholders", [("pass", "pass"), ("pass", "..."), (None, None)],
                         ids=["pass", "pass and ellipsis", "deleted"])
def test_the_stubs_own_code_is_not_shared_code(placeholders: tuple[str | None, str | None]) -> None:
    """Two submissions that kept only the stub's docstrings and signatures: nothing of theirs to
    compare, so not reported at any threshold, even though deleting the same lines from the same
    stub makes the same new seams in both."""
    first, second = placeholders
    pairs = similar_pairs({"ana": {file: only_the_stub(file, first) for file in FILES},
                           "ben": {file: only_the_stub(file, second) for file in FILES}},
                          stubs(), threshold=0.0)
    assert pairs == []


def test_syntax_errors_and_binary_junk_do_not_stop_it() -> None:
    value = solution("value.py")
    broken = value.replace("    def __neg__", "    def broken(:\n        return ]]\n\n    def __neg__")
    assert broken != value
    undecodable = value.encode()[:2000] + b"\xff\xfe\x00\x80" + value.encode()[2000:]
    submissions = {
        "ana": {"value.py": broken.encode()},
        "ben": {"value.py": renamed(value).encode()},
        "cy": {"value.py": bytes(range(256)) * 40},
        "dee": {"value.py": undecodable},
        "eve": {"value.py": b""},
    }
    pairs = similar_pairs(submissions, stubs())
    # The copies are still found, through the broken line and the bad bytes; the junk matches nothing.
    assert {(p.first, p.second) for p in pairs} == {("ana", "ben"), ("ana", "dee"), ("ben", "dee")}


def test_names_come_sorted_and_the_most_alike_first() -> None:
    value = solution("value.py")
    # Half of value.py changed beyond recognition: alike, but less so than the exact copy.
    lines = value.split("\n")
    half = "\n".join(lines[:len(lines) // 2] + [f"    x{i} = [{i}] * {i} + list(range({i}))"
                                                  for i in range(len(lines) // 2)])
    pairs = similar_pairs({"zoe": {"value.py": value.encode()}, "max": {"value.py": renamed(value).encode()},
                           "amy": {"value.py": half.encode()}}, stubs(), threshold=0.2)
    assert [(p.first, p.second) for p in pairs][0] == ("max", "zoe")
    assert all(p.first < p.second for p in pairs) and len(pairs) == 3
    alike = [max(p.first_share, p.second_share) for p in pairs]
    assert alike == sorted(alike, reverse=True)


def test_it_prints_nothing_and_imports_copydetect_only_when_used() -> None:
    """The grader's output stays its own: no progress bar, no matplotlib notice (here about a
    configuration folder it cannot write), and importing kata.grading.similarity costs nothing."""
    script = (
        "import sys\n"
        "from kata.grading.similarity import similar_pairs\n"
        "assert 'copydetect' not in sys.modules\n"
        "code = b'def f(xs):\\n    return [x * 2 for x in xs if x > 0] + [len(xs), sum(xs)]\\n'\n"
        "assert similar_pairs({'a': {'f.py': code}, 'b': {'f.py': code}}, {})\n"
    )
    ran = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True,
                         env={"MPLCONFIGDIR": "/proc/nonexistent/matplotlib", "PATH": "/usr/bin:/bin"})
    assert ran.returncode == 0, ran.stderr
    assert (ran.stdout, ran.stderr) == ("", "")
