"""grader.py end to end: every submission gets exactly what its honest work earns, and nothing is left.

Every submission here is built in a temporary directory from this repository's
own files: solutions/ as it stands, and the stubs as committed at HEAD (so that
a learner's work in exercises/ does not count), with a change or an attack
added. grader.py grades them in a subprocess, as an instructor runs it.

The grader runs in batches, all started at once on first use and each waited
for only by the tests that read it: every submission under each sandbox, the
endless loop alone with --timeout 1 (each hanging case then costs about a
second) and --gradescope, and one batch for each attack that, today, ends the
grader itself.

No grade is typed in as a number. Points come from kata.core.curriculum, shared by
each exercise's graded instances as the grader's plan draws them (--seed 1);
where only some cases of a submission can honestly pass, the test finds which
by running the same scenarios here, in this process, on a harmless twin of the
submission.
"""

from __future__ import annotations

import ast
import csv
import importlib
import json
import os
import random
import shutil
import signal
import string
import subprocess
import sys
import tempfile
import textwrap
import time
import uuid
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, Optional

import pytest

from kata.core.cases import Instance
from kata.core.compare import BadResult, judge, validate
from kata.core.curriculum import EXERCISES, Exercise, exercise_named
from kata.core.implementation import Implementation
from kata.core.outcome import Outcome, Problem, ProblemKind, oracle_outcome, run_in_process
from kata.core.scoring import plan

ROOT = Path(__file__).resolve().parents[2]
GRADER = ROOT / "grader.py"
SEED = 1
NAMES = tuple(exercise.name for exercise in EXERCISES)
GRADER_LIMIT = 300.0  # seconds for one grader run; longer than this, it has hung
HAS_BWRAP = shutil.which("bwrap") is not None
GRADESCOPE_TOP = {"score", "execution_time", "output", "output_format", "test_output_format",
                  "test_name_format", "visibility", "stdout_visibility", "extra_data", "tests",
                  "leaderboard"}
# Under pytest -n (with --dist loadgroup, as pyproject.toml sets), one worker runs this module and
# then test_grader_bounds.py: the batches below start once, not on every worker, and the bounds
# never run beside them, whose dozen busy processes make the bounds' time limits run out early.
ONE_WORKER = pytest.mark.xdist_group("grader")
pytestmark = ONE_WORKER

# --- The repository's own files --------------------------------------------------------------------


@cache
def solution(name: str) -> str:
    return (ROOT / "solutions" / f"{name}.py").read_text()


@cache
def stub(name: str) -> str:
    """The untouched stub, as committed: a learner's edits in exercises/ must not count."""
    shown = subprocess.run(["git", "-C", str(ROOT), "show", f"HEAD:exercises/{name}.py"],
                           capture_output=True, text=True, check=False)
    if shown.returncode != 0:
        raise RuntimeError(f"git show HEAD:exercises/{name}.py failed: {shown.stderr.strip()}")
    return shown.stdout


def exercise_files(solved: set[str] | frozenset[str] = frozenset(), **replaced: str) -> dict[str, str]:
    """A submission's files: solutions for the exercises solved, stubs for the rest, then any replaced."""
    files = {"__init__.py": solution("__init__")}
    for name in NAMES:
        files[f"{name}.py"] = solution(name) if name in solved else stub(name)
    for name, source in replaced.items():
        files[f"{name}.py"] = source
    return files


def appended(source: str, code: str) -> str:
    """source with code run at the end of its import."""
    return source.rstrip("\n") + "\n\n\n" + textwrap.dedent(code).strip("\n") + "\n"


def filled(template: str, **values: object) -> str:
    """template with each $name replaced by the repr of values[name]."""
    return string.Template(textwrap.dedent(template)).substitute({k: repr(v) for k, v in values.items()})


def with_first_lines(source: str, function: str, code: str) -> str:
    """source with code made the first statements of the top-level function (after its docstring)."""
    tree = ast.parse(source)
    (found,) = [node for node in tree.body if isinstance(node, ast.FunctionDef) and node.name == function]
    body = found.body
    has_docstring = ast.get_docstring(found) is not None
    line = body[0].end_lineno if has_docstring else body[0].lineno - 1
    assert line is not None
    lines = source.splitlines(keepends=True)
    inserted = textwrap.indent(textwrap.dedent(code).strip("\n") + "\n", " " * body[0].col_offset)
    return "".join(lines[:line]) + inserted + "".join(lines[line:])


@cache
def runtime_imports(name: str) -> frozenset[str]:
    """The sibling exercises the solution imports when it is imported (not under `if TYPE_CHECKING`)."""
    tree = ast.parse(solution(name))
    return frozenset(node.module for node in tree.body if isinstance(node, ast.ImportFrom)
                     and node.level == 1 and node.module is not None and node.module in NAMES)


def needs(name: str) -> set[str]:
    """name and every exercise module that importing it imports, directly or not."""
    found, todo = {name}, [name]
    while todo:
        for module in runtime_imports(todo.pop()) - found:
            found.add(module)
            todo.append(module)
    return found


def modules_behind(exercise: str) -> set[str]:
    """The modules an exercise's cases import: its own and, as every scenario builds Values, value's."""
    return needs(exercise) | needs("value")


# --- The grading plan and its points ---------------------------------------------------------------


@cache
def grading_plan() -> tuple[tuple[Exercise, tuple[Instance, ...]], ...]:
    """The instances grader.py --seed 1 draws: the same call with the same seed."""
    return tuple((exercise, tuple(instances)) for exercise, instances in plan(list(EXERCISES), random.Random(SEED)))


def all_instances() -> list[Instance]:
    return [instance for _, instances in grading_plan() for instance in instances]


def instances_of(exercise: str) -> list[Instance]:
    (found,) = [list(instances) for e, instances in grading_plan() if e.name == exercise]
    return found


@cache
def case_points() -> dict[str, float]:
    """Each instance's share of its exercise's points."""
    return {i.key: exercise.points / len(instances) for exercise, instances in grading_plan() for i in instances}


def points_of(exercises: set[str] | frozenset[str]) -> float:
    """The score (out of 100) those exercises earn: a bonus exercise's points are reported apart."""
    return sum(exercise_named(name).points for name in exercises if not exercise_named(name).bonus)


def full_marks() -> float:
    return points_of(frozenset(NAMES))


# --- Submissions ------------------------------------------------------------------------------------

SHADOWS = {  # beside the exercise files; none of them may reach the child
    "conftest.py": '''\
        import pytest

        @pytest.hookimpl(hookwrapper=True)
        def pytest_runtest_makereport(item, call):
            outcome = yield
            report = outcome.get_result()
            report.outcome = "passed"
            report.longrepr = None
        ''',
    "torch.py": '''\
        """A torch whose every tensor equals every other."""
        def __getattr__(name):
            return lambda *args, **kwargs: 0.0
        def allclose(*args, **kwargs):
            return True
        def equal(*args, **kwargs):
            return True
        ''',
    "math.py": '''\
        """A math module in which everything is close and finite."""
        def isclose(*args, **kwargs):
            return True
        def isfinite(*args, **kwargs):
            return True
        ''',
}

LYING_NUMBERS = '''\
import sys as _sys


class Liar(float):
    """A float that says it equals anything."""
    __eq__ = lambda self, other: True
    __ne__ = lambda self, other: False
    __hash__ = float.__hash__


class Agreeable:
    """Not a number at all, yet equal to anything."""
    def __init__(self, number):
        self.number = float(number)
    def __eq__(self, other):
        return True
    def __ne__(self, other):
        return False
    __hash__ = object.__hash__
    def __float__(self):
        return self.number
    def __repr__(self):
        return repr(self.number)


def _lie_about(name, wrap):
    """Code outside this module reads wrap(number); this module's own arithmetic stays honest."""
    slot = vars(Value).get(name)
    kept = "_honest_" + name
    def read(self):
        number = slot.__get__(self, Value) if slot is not None else self.__dict__[kept]
        return number if _sys._getframe(1).f_globals is globals() else wrap(number)
    def write(self, number):
        if slot is not None:
            slot.__set__(self, float(number))
        else:
            self.__dict__[kept] = float(number)
    setattr(Value, name, property(read, write))
'''

PATCH_THE_JUDGE = '''\
import math
math.isclose = lambda *args, **kwargs: True
math.isfinite = lambda *args, **kwargs: True
try:
    import kata.core.compare
    import kata.core.child
    kata.core.compare.validate = lambda raw: raw
    kata.core.compare._agree = lambda *args, **kwargs: True
    kata.core.compare.judge = lambda *args, **kwargs: None
    kata.core.child.validate = lambda raw: raw
except BaseException:
    pass
'''

DETACH = '''\
def _detach(argument):
    """Leave a sleep running by every ordinary route; whatever is refused is shrugged off."""
    import os
    import subprocess
    quiet = dict(stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        subprocess.Popen(["sleep", argument], start_new_session=True, **quiet)
    except BaseException:
        pass
    try:
        pid = os.fork()
        if pid == 0:
            try:
                os.setsid()
                if os.fork() == 0:
                    os.execvp("sleep", ["sleep", argument])
            finally:
                os._exit(0)
        os.waitpid(pid, 0)
    except BaseException:
        pass
    try:
        os.posix_spawnp("sleep", ["sleep", argument], dict(os.environ), setsid=True)
    except BaseException:
        pass
    try:
        os.system("sleep " + argument + " >/dev/null 2>&1 &")
    except BaseException:
        pass


_detach($argument)
'''

DETACH_RAW = '''\
def _detach_raw(argument):
    """Start a sleep in a session of its own through the call beneath subprocess (Python 3.11)."""
    import os
    try:
        import _posixsubprocess
        errors_read, errors_write = os.pipe()
        _posixsubprocess.fork_exec(
            [b"sleep", argument.encode()], [b"/usr/bin/sleep", b"/bin/sleep"], True, (), None, None,
            -1, -1, -1, -1, -1, -1, errors_read, errors_write,
            True, True, -1, None, None, None, -1, None, False)
    except BaseException:
        pass


_detach_raw($argument)
'''

READ_THE_REFERENCE = '''\
def _the_reference():
    """solutions/value.py's source by any route that reaches it, else None."""
    import os
    root = $root
    parent = os.getppid()
    routes = [
        os.path.join(root, "solutions", "value.py"),
        "/proc/%d/cwd/solutions/value.py" % parent,
        "/proc/%d/root%s/solutions/value.py" % (parent, root),
        "../../solutions/value.py",
        "../solutions/value.py",
    ] + ["../" * up + root.lstrip("/") + "/solutions/value.py" for up in range(1, 8)]
    for route in routes:
        try:
            with open(route) as file:
                return file.read()
        except BaseException:
            pass
        try:
            fd = os.open(route, os.O_RDONLY)
            try:
                return os.read(fd, 1 << 20).decode()
            finally:
                os.close(fd)
        except BaseException:
            pass
    return None


_source = _the_reference()
if _source is not None:
    exec(compile(_source, __file__, "exec"), globals())
else:
    try:
        import importlib as _importlib
        import sys as _sys
        _sys.path.insert(0, $root)
        Value = _importlib.import_module("solutions.value").Value
    except BaseException:
        pass
'''

WRITE_OUTSIDE = '''\
def _write_outside(targets):
    import os
    import pathlib
    import shutil
    for target in targets:
        for attempt in (
            lambda: open(target, "w").write("written while being graded"),
            lambda: pathlib.Path(target).write_text("written while being graded"),
            lambda: os.close(os.open(target, os.O_WRONLY | os.O_CREAT, 0o644)),
            lambda: shutil.copyfile(__file__, target),
            lambda: os.mkdir(target),
        ):
            try:
                attempt()
            except BaseException:
                pass


_write_outside($targets)
'''

LINK_OUTSIDE = '''\
def _link_outside(targets):
    import os
    scratch = os.path.abspath("scratch-file")
    for target in targets:
        for attempt in (
            lambda: os.rename(scratch, target),
            lambda: os.replace(scratch, target),
            lambda: os.link(scratch, target),
            lambda: os.symlink(scratch, target),
            lambda: os.mkfifo(target),
            lambda: os.mknod(target),
        ):
            try:
                with open(scratch, "w") as file:
                    file.write("x")
                attempt()
            except BaseException:
                pass


_link_outside($targets)
'''

CLAIM_RESULTS = '''\
def _claim_results(keys):
    """Fake result lines for every case, on every descriptor and stream there is."""
    import json
    import os
    import sys
    lines = [{"ready": True}]
    for number, key in enumerate(keys):
        lines.append([
            {"key": key, "result": {"out": 12345.678, "grads": [12345.678]}, "problem": None, "printed": ""},
            {"key": key, "result": "passed", "passed": True, "score": 1.0},
            {"key": key, "problem": "none", "status": "passed", "points": 100},
        ][number % 3])
    blob = "".join(json.dumps(line) + "\\n" for line in lines)
    for fd in range(51):
        try:
            os.write(fd, blob.encode())
        except BaseException:
            pass
    for stream in (sys.stdout, sys.stderr, sys.__stdout__, sys.__stderr__):
        try:
            stream.write(blob)
            stream.flush()
        except BaseException:
            pass


_claim_results($keys)
'''

SABOTAGE = '''\
import os
for _path in ("kata/core/child.py", "kata/grading/guard.py", "kata/__init__.py"):
    try:
        with open(_path, "w") as _file:
            _file.write("raise SystemExit('sabotaged')\\n")
    except BaseException:
        pass
os._exit(1)
'''

SIGNAL_THE_GRADER = '''\
import os
import signal
try:
    signal.pidfd_send_signal(os.pidfd_open(os.getppid()), signal.SIGKILL)
except BaseException:
    pass
'''


DISARM_THE_HOOK = '''\
def _disarm_the_hook():
    """Reach the audit hook through gc, widen the places in its closure, and empty the guard's lists."""
    import gc
    for found in gc.get_objects():
        if not callable(found) or getattr(found, "__module__", "") != "kata.grading.guard":
            continue
        closure = getattr(found, "__closure__", None)
        for cell in closure or ():
            try:
                if isinstance(cell.cell_contents, tuple):
                    cell.cell_contents = ("",)  # every real path starts with "" + os.sep
            except BaseException:
                pass
    try:
        import kata.grading.guard
        for name in ("BLOCKED_EVENTS", "WRITE_EVENTS", "READ_EVENTS"):
            setattr(kata.grading.guard, name, frozenset())
    except BaseException:
        pass


_disarm_the_hook()
'''

FORGE_FROM_THE_GRADERS_TREE = DISARM_THE_HOOK + '''
def _the_graders_reference():
    """solutions/value.py through the grader's own tree: a dir_fd open, /proc and plain paths."""
    import os
    root = $root
    attempts = [
        lambda: os.open("solutions/value.py", os.O_RDONLY, dir_fd=os.open(root, os.O_RDONLY)),
        lambda: os.open(os.path.join(root, "solutions", "value.py"), os.O_RDONLY),
        lambda: os.open("/proc/%d/cwd/solutions/value.py" % os.getppid(), os.O_RDONLY),
    ]
    for attempt in attempts:
        try:
            fd = attempt()
            return os.read(fd, 1 << 20).decode()
        except BaseException:
            pass
    return None


_source = _the_graders_reference()
if _source is not None:
    exec(compile(_source, __file__, "exec"), globals())
'''

NEIGHBOURS_WORK = DISARM_THE_HOOK + '''
def _the_neighbours_value():
    """A correct value.py of another submission being graded at the same time, found through /proc
    and the temporary directories; a few seconds of looking, as its grading may start later."""
    import glob, os, re, time
    mine = os.path.realpath(__file__)
    deadline = time.monotonic() + 4
    while time.monotonic() < deadline:
        folders = set(glob.glob($tmp + "/kata-grade-*")) | set(glob.glob("/tmp/kata-grade-*"))
        try:
            for pid in os.listdir("/proc"):
                try:
                    with open("/proc/%s/cmdline" % pid, "rb") as file:
                        folders.update(re.findall(r"/[^'\\"\\s\\x00]*kata-grade-[A-Za-z0-9_]+",
                                                  file.read().decode(errors="replace")))
                except BaseException:
                    pass
        except BaseException:
            pass
        for folder in folders:
            path = os.path.join(folder, "exercises", "value.py")
            try:
                if os.path.realpath(path) != mine:
                    with open(path) as file:
                        source = file.read()
                    if "NotImplementedError" not in source:
                        return source
            except BaseException:
                pass
        time.sleep(0.2)
    return None


_source = _the_neighbours_value()
if _source is not None:
    exec(compile(_source, __file__, "exec"), globals())
'''

ANOTHER_ARCHITECTURE = DISARM_THE_HOOK + '''
def _through_another_architecture():
    """Whether a system call through i386's table (int 0x80) or x32's numbers comes back at all."""
    import ctypes, mmap, platform
    if platform.machine() != "x86_64":
        return False
    code = bytes([0xB8, 20, 0, 0, 0, 0xCD, 0x80, 0xC3])  # mov eax, 20 (i386 getpid); int 0x80; ret
    memory = mmap.mmap(-1, 4096, prot=mmap.PROT_READ | mmap.PROT_WRITE | mmap.PROT_EXEC)
    memory.write(code)
    call = ctypes.CFUNCTYPE(ctypes.c_long)(ctypes.addressof(ctypes.c_char.from_buffer(memory)))
    return call() > 0 or ctypes.CDLL(None).syscall(0x40000000 + 39) > 0  # x32 getpid


if _through_another_architecture():  # then the reference's Value, carried in here
    exec(compile($solution, __file__, "exec"), globals())
'''

FORGED_LINES = '''\
def _forge_lines():
    """For the case running now (the runner's watchdog knows its key), one of five poisoned lines,
    sent on every descriptor before the real answer."""
    import gc, json, os
    key = next((found.running[0] for found in gc.get_objects()
                if type(found).__name__ == "_Watchdog" and found.running), None)
    if key is None:
        return
    quoted = json.dumps(key)
    lines = [
        '{"key": %s, "result": {"out": 1.0}, "seed": %s}' % (quoted, "9" * 4001),
        "[" * 100000,
        json.dumps({"key": key, "result": {"out": 1.0},
                    "graph": [["+", "x", 1.0, 1.0, [5, 7]], ["*", "y", "z", None, "w"]]}),
        json.dumps({"key": key, "problem": {"kind": "timed out", "message": "forged",
                    "where": "exercises/value.py, line 1, in f: " + "a, line 1, in " * 20000}}),
        json.dumps({"key": key, "result": {"out": 1.0}, "graph": [["", "x", 1.0, 1.0, []]] * 30000}),
    ]
    blob = (lines[sum(map(ord, key)) % len(lines)] + "\\n").encode()
    for fd in range(3, 20):
        try:
            os.write(fd, blob)
        except BaseException:
            pass


_honest_init = Value.__init__


def _forging_init(self, *args, **kwargs):
    _forge_lines()
    _honest_init(self, *args, **kwargs)


Value.__init__ = _forging_init
'''

LEAK = '''\
def _everything_readable():
    """The hidden cases, the environment, the grader and the system's users, as far as they can be read."""
    import glob, os
    found = [repr(dict(os.environ))]
    paths = glob.glob("tests/hidden/*.py") + glob.glob($root + "/tests/hidden/*.py") + [
        $root + "/grader.py", "/etc/passwd", "/proc/1/environ", "/proc/%d/environ" % os.getppid()]
    for path in paths:
        try:
            with open(path, errors="replace") as file:
                found.append(file.read())
        except BaseException:
            pass
    return "\\n".join(found)


_original_init = Value.__init__


def _leaking_init(self, *args, **kwargs):
    raise RuntimeError(_everything_readable())


Value.__init__ = _leaking_init
'''


PLANT_FOR_THE_NEXT_CHILD = '''\
def _plant_for_the_next_child():
    """Leave code that the next child would run before its guard confines it (a resource.py beside
    the runner, a kata/ of its own in place of the grader's), then end this child so that the grader
    starts another in the same directory. The planted code copies the reference into exercises/."""
    import os
    if os.path.exists("exercises/planted"):
        return  # the second child: whatever was planted has run by now, or never will
    open("exercises/planted", "w").close()
    steal = ("import glob as _g, shutil as _s\\n"
             "for _p in _g.glob(%r):\\n"
             "    try:\\n"
             "        _s.copy(_p, 'exercises/')\\n"
             "    except BaseException:\\n"
             "        pass\\n" % ($root + "/solutions/*.py"))
    real_resource = ("import sys as _sys, importlib.machinery as _m, importlib.util as _u, os as _o\\n"
                     "_spec = _m.PathFinder.find_spec('resource', [p for p in _sys.path\\n"
                     "    if _o.path.abspath(p or '.') != _o.getcwd()])\\n"
                     "_real = _u.module_from_spec(_spec)\\n_spec.loader.exec_module(_real)\\n"
                     "globals().update(vars(_real))\\n")
    try:
        with open("resource.py", "w") as file:
            file.write(steal + real_resource)
    except BaseException:
        pass
    try:
        os.rename("kata", "kata-original")
        os.mkdir("kata")
        for name in os.listdir("kata-original"):
            if name.endswith(".py"):
                with open("kata-original/" + name) as original, open("kata/" + name, "w") as copy:
                    copy.write((steal if name == "guard.py" else "") + original.read())
    except BaseException:
        pass
    os._exit(1)


_plant_for_the_next_child()
'''

RESULTS_THAT_SWELL = '''\
def _swell_every_answer():
    """Before each real answer, a result of 330,000 empty lists: 1 MB of JSON, twenty times that
    as Python objects in whatever keeps it."""
    import sys
    runner = sys.modules.get("kata.core.child")
    if runner is None or getattr(runner, "swelling", False):
        return
    honest_send = runner._send
    def send(channel, message):
        key = message.get("key", "")
        if key and not key.startswith("import:") and "stuck" not in message:
            channel.write(\'{"key": "%s", "result": {"x": [%s]}}\\n\' % (key, "[]," * 330000 + "[]"))
        honest_send(channel, message)
    runner._send = send
    runner.swelling = True


_swell_every_answer()
'''


WRITES_WHERE_IT_RUNS = '''\
def _write_where_it_runs():
    """Files and a directory 1500 levels deep in exercises/ and beside it: to fill the disk, and to
    leave the grader a tree its clean-up cannot remove."""
    import os
    for folder in ("exercises", "."):
        try:
            for number in range(50):
                with open(os.path.join(folder, "blob%03d" % number), "wb") as blob:
                    blob.write(b"x" * (1 << 20))
        except BaseException:
            pass
        try:
            fd = os.open(folder, os.O_RDONLY)
            for _ in range(1500):
                os.mkdir("d", dir_fd=fd)
                fd = os.open("d", os.O_RDONLY, dir_fd=fd)
        except BaseException:
            pass


_write_where_it_runs()
'''


@dataclass(frozen=True)
class Traps:
    """What hostile submissions of one batch aim at, unique to that batch."""

    tag: str
    sleep: str  # the argument of the sleeps started by the ordinary routes
    raw_sleep: str  # the argument of the sleep started through _posixsubprocess
    markers: tuple[Path, ...]  # what plain writes try to create
    link_markers: tuple[Path, ...]  # what renames, links and special files try to create
    tmp: Path = Path("/tmp")  # the grader's temporary directory, where its children's folders go

    @staticmethod
    def new(outside: Path, tmp: Path = Path("/tmp")) -> Traps:
        tag = uuid.uuid4().hex[:12]
        draw = random.SystemRandom().randrange
        return Traps(
            tag, f"987.{draw(10**8, 10**9)}", f"987.{draw(10**8, 10**9)}",
            (ROOT / f".grader-test-{tag}-write", Path("/tmp") / f"grader-test-{tag}-write"),
            (Path("/tmp") / f"grader-test-{tag}-link", outside / f"grader-test-{tag}-link"),
            tmp,
        )

    def every_marker(self) -> tuple[Path, ...]:
        return self.markers + self.link_markers


Files = dict[str, str]
# A classic slip in each newer exercise: (the exercise, the solution's text, what the learner wrote).
BUGGY = {
    "one_sided_numerical_derivative": ("derivatives", "return (f(x + h) - f(x - h)) / (2 * h)",
                                       "return (f(x + h) - f(x)) / h"),
    "softmax_without_the_shift": ("softmax", "m = max(z.data for z in logits)\n    exps",
                                  "m = 0.0\n    exps"),
    "adam_without_bias_correction": ("optim", "correction1 = 1 - self.beta1**self.t",
                                     "correction1 = 1.0"),
}


def with_slip(exercise: str, reference: str, buggy: str) -> Callable[[Traps], Files]:
    """Every exercise solved, one slip planted in one of them."""
    def files(traps: Traps) -> Files:
        source = solution(exercise)
        assert source.count(reference) == 1, f"solutions/{exercise}.py must hold {reference!r} once"
        return exercise_files(set(NAMES), **{exercise: source.replace(reference, buggy)})
    return files


SUBMISSIONS: dict[str, Callable[[Traps], Files]] = {
    "solutions": lambda traps: {**exercise_files(set(NAMES)),
                                **{name: textwrap.dedent(text) for name, text in SHADOWS.items()}},
    "stubs": lambda traps: exercise_files(),
    "value_and_backward_only": lambda traps: exercise_files({"value", "backward"}),
    **{name: with_slip(*bug) for name, bug in BUGGY.items()},
    "syntax_error_in_layer": lambda traps: exercise_files(
        set(NAMES), layer=appended(solution("layer"), "def broken(:\n    pass")),
    "missing_module_in_value": lambda traps: exercise_files(
        set(NAMES), value=appended(solution("value"), "import kata_grader_test_no_such_module")),
    "sys_exit_at_import": lambda traps: exercise_files(
        set(NAMES), value=appended(solution("value"), "import sys\nsys.exit(0)")),
    "os_exit_at_import": lambda traps: exercise_files(
        set(NAMES), value=appended(solution("value"), "import os\nos._exit(0)")),
    "lying_float_subclass": lambda traps: exercise_files(
        value=appended(solution("value"), LYING_NUMBERS + '\n_lie_about("data", Liar)\n_lie_about("grad", Liar)')),
    "grads_equal_to_anything": lambda traps: exercise_files(
        value=appended(solution("value"), LYING_NUMBERS + '\n_lie_about("grad", Agreeable)')),
    "patches_the_judge": lambda traps: exercise_files(value=appended(solution("value"), PATCH_THE_JUDGE)),
    "memory_hog": lambda traps: exercise_files(
        set(NAMES), value=appended(solution("value"), "_hog = bytearray(8 * 1024**3)")),
    "detaches_processes": lambda traps: exercise_files(
        value=appended(solution("value"), filled(DETACH, argument=traps.sleep))),
    "detaches_through_fork_exec": lambda traps: exercise_files(
        value=appended(solution("value"), filled(DETACH_RAW, argument=traps.raw_sleep))),
    "reads_the_reference": lambda traps: exercise_files(
        value=appended(stub("value"), filled(READ_THE_REFERENCE, root=str(ROOT)))),
    "writes_outside": lambda traps: exercise_files(
        value=appended(stub("value"), filled(WRITE_OUTSIDE, targets=[str(p) for p in traps.markers]))),
    "links_outside": lambda traps: exercise_files(
        value=appended(stub("value"), filled(LINK_OUTSIDE, targets=[str(p) for p in traps.link_markers]))),
    "claims_fake_results": lambda traps: exercise_files(
        value=appended(stub("value"), filled(CLAIM_RESULTS, keys=[i.key for i in all_instances()]))),
    "sabotages_the_runner": lambda traps: exercise_files(value=appended(stub("value"), SABOTAGE)),
    "signals_the_grader": lambda traps: exercise_files(value=appended(stub("value"), SIGNAL_THE_GRADER)),
    "forges_from_the_graders_tree": lambda traps: exercise_files(
        value=appended(stub("value"), filled(FORGE_FROM_THE_GRADERS_TREE, root=str(ROOT)))),
    "calls_through_another_architecture": lambda traps: exercise_files(
        value=appended(stub("value"), filled(ANOTHER_ARCHITECTURE, solution=solution("value")))),
    "forges_result_lines": lambda traps: exercise_files(value=appended(stub("value"), FORGED_LINES)),
    "copies_the_neighbour": lambda traps: exercise_files(
        value=appended(stub("value"), filled(NEIGHBOURS_WORK, tmp=str(traps.tmp)))),
    "leaks_what_it_reads": lambda traps: exercise_files(
        value=appended(stub("value"), filled(LEAK, root=str(ROOT)))),
    "writes_where_it_runs": lambda traps: exercise_files(value=appended(stub("value"), WRITES_WHERE_IT_RUNS)),
    "plants_code_for_the_next_child": lambda traps: exercise_files(
        optim=appended(stub("optim"), filled(PLANT_FOR_THE_NEXT_CHILD, root=str(ROOT)))),
    "endless_backward": lambda traps: exercise_files(
        set(NAMES), backward=with_first_lines(solution("backward"), "backward", "while True:\n    pass")),
}
ZIPPED = "zipped_repository.zip"
NOT_A_SUBMISSION = "notes.txt"
CORRUPT_ZIP = "corrupt.zip"
MAIN_BATCH = [*(name for name in SUBMISSIONS
                if name not in ("endless_backward", "sabotages_the_runner", "signals_the_grader",
                                "copies_the_neighbour", "leaks_what_it_reads")),
              ZIPPED, NOT_A_SUBMISSION]


def write_submission(folder: Path, name: str, traps: Traps) -> Path:
    """Create the submission called name in folder; its path."""
    path = folder / name
    if name == ZIPPED:  # the solutions as GitHub zips a repository, with decoys the grader must pass over
        with zipfile.ZipFile(path, "w") as archive:
            for file, source in exercise_files(set(NAMES)).items():
                archive.writestr(f"repo-main/exercises/{file}", source)
            archive.writestr("repo-main/value.py", stub("value"))
            archive.writestr("repo-main/solutions/value.py", stub("value"))
            archive.writestr("repo-main/README.md", "# my kata\n")
    elif name == NOT_A_SUBMISSION:
        path.write_text("I could not finish, sorry.\n")
    elif name == CORRUPT_ZIP:
        with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as archive:
            archive.writestr("exercises/value.py", solution("value"))
        data = bytearray(path.read_bytes())
        data[data.index(solution("value").encode()[:64]) + 10] ^= 0x20  # one flipped bit stored: a bad CRC
        path.write_bytes(bytes(data))
    else:
        path.mkdir()
        for file, source in SUBMISSIONS[name](traps).items():
            (path / file).write_text(source)
    return path


def snapshot(path: Path) -> dict[str, bytes]:
    """Every file under path (or path itself), by relative name, with its bytes."""
    if path.is_file():
        return {path.name: path.read_bytes()}
    return {str(p.relative_to(path)): p.read_bytes() for p in sorted(path.rglob("*")) if p.is_file()}


# --- Running the grader -----------------------------------------------------------------------------


@dataclass
class GraderRun:
    sandbox: str  # as asked for on the command line
    returncode: Optional[int]  # None: it did not finish within GRADER_LIMIT
    seconds: float
    stdout: str
    stderr: str
    grades: Optional[dict[str, Any]]  # the --json file, if written
    rows: Optional[list[dict[str, str]]]  # the --csv file, if written
    header: Optional[list[str]]
    tmpdir: Path
    gradescope: Optional[dict[str, Any]]

    def explain(self) -> str:
        return f"grader exit status {self.returncode} after {self.seconds:.1f} s; stderr ends:\n{self.stderr[-2000:]}"

    def report(self, submission: str) -> dict[str, Any]:
        assert self.grades is not None, self.explain()
        (found,) = [r for r in self.grades["submissions"] if r["submission"] == submission]
        assert isinstance(found, dict)
        return found

    def row(self, submission: str) -> dict[str, str]:
        assert self.rows is not None, self.explain()
        (found,) = [r for r in self.rows if r["submission"] == submission]
        return found


@dataclass
class Batch:
    name: str
    sandbox: str
    folder: Path
    traps: Traps
    submissions: dict[str, Path]
    before: dict[str, dict[str, bytes]]
    process: subprocess.Popen[bytes]
    started: float
    gradescope: bool
    finished: Optional[GraderRun] = None

    def wait(self) -> GraderRun:
        if self.finished is None:
            try:
                self.process.wait(timeout=max(1.0, self.started + GRADER_LIMIT - time.monotonic()))
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
                returncode: Optional[int] = None
            else:
                returncode = self.process.returncode
            self.finished = self._collect(returncode)
        return self.finished

    def _collect(self, returncode: Optional[int]) -> GraderRun:
        grades_file, csv_file = self.folder / "grades.json", self.folder / "grades.csv"
        rows: Optional[list[dict[str, str]]] = None
        header: Optional[list[str]] = None
        if csv_file.exists():
            with csv_file.open(newline="") as file:
                reader = csv.reader(file)
                header = next(reader)
                rows = [dict(zip(header, row)) for row in reader]
        results = self.folder / "gradescope" / "results.json"
        return GraderRun(
            self.sandbox, returncode, time.monotonic() - self.started,
            (self.folder / "stdout.txt").read_text(errors="replace"),
            (self.folder / "stderr.txt").read_text(errors="replace"),
            json.loads(grades_file.read_text()) if grades_file.exists() else None,
            rows, header, self.traps.tmp,
            json.loads(results.read_text()) if self.gradescope and results.exists() else None,
        )


def open_temporary_directory() -> Path:
    """A fresh TMPDIR for one grader run, under /tmp: the throwaway users the grader runs submissions
    as must reach it (pytest's own folders are private to their owner), else the grader puts its
    children's folders in /tmp, where a test cannot tell them from another run's."""
    path = Path(tempfile.mkdtemp(prefix="grader-test-", dir="/tmp"))
    path.chmod(0o755)
    return path


SECRET = uuid.uuid4().hex  # in the grader's environment: no output a learner sees may carry it


def start_batch(name: str, folder: Path, sandbox: str, submissions: list[str],
                timeout: Optional[float] = None, gradescope: bool = False) -> Batch:
    """Build the submissions in folder and start grader.py on them, with TMPDIR a fresh folder of its own."""
    folder.mkdir(parents=True)
    tmp = open_temporary_directory()
    (folder / "outside").mkdir()
    traps = Traps.new(folder / "outside", tmp)
    (folder / "submissions").mkdir()
    paths = {s: write_submission(folder / "submissions", s, traps) for s in submissions}
    argv = [sys.executable, str(GRADER), *map(str, paths.values()),
            "--json", str(folder / "grades.json"), "--csv", str(folder / "grades.csv"),
            "-j", "2", "--seed", str(SEED), "--sandbox", sandbox]
    if timeout is not None:
        argv += ["--timeout", str(timeout)]
    if gradescope:
        argv += ["--gradescope", str(folder / "gradescope")]
    before = {s: snapshot(p) for s, p in paths.items()}
    with (folder / "stdout.txt").open("wb") as out, (folder / "stderr.txt").open("wb") as err:
        process = subprocess.Popen(argv, cwd=ROOT, stdin=subprocess.DEVNULL, stdout=out, stderr=err,
                                   env={**os.environ, "TMPDIR": str(tmp), "KATA_TEST_SECRET": SECRET})
    return Batch(name, sandbox, folder, traps, paths, before, process, time.monotonic(), gradescope)


def processes_with_argument(argument: str) -> list[int]:
    """The pids of live processes one of whose arguments is exactly argument (read from /proc)."""
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                arguments = (entry / "cmdline").read_bytes().split(b"\0")
            except OSError:
                continue
            if argument.encode() in arguments:
                pids.append(int(entry.name))
    return pids


def remove_marker(path: Path) -> None:
    if path.is_symlink() or path.is_file() or path.is_fifo() or path.is_char_device() or path.is_block_device():
        path.unlink()
    elif path.is_dir():
        shutil.rmtree(path)


class Batches:
    """Every grader run this module needs, all started together on first use."""

    def __init__(self, folder: Path) -> None:
        self.batches: dict[str, Batch] = {}
        innocent = "value_and_backward_only"
        wanted: list[tuple[str, str, list[str], dict[str, Any]]] = [  # the longest first
            ("timeout", "auto", ["endless_backward"], {"timeout": 1, "gradescope": True}),
            *([("bubblewrap", "bubblewrap", MAIN_BATCH, {})] if HAS_BWRAP else []),
            ("kernel", "kernel", MAIN_BATCH, {}),
            ("sabotage", "auto", ["sabotages_the_runner", innocent], {}),
            ("signal", "kernel", ["signals_the_grader", innocent], {}),
            ("corrupt-zip", "auto", [CORRUPT_ZIP, innocent], {}),
            *((f"{kind}-{sandbox}", sandbox, submissions, options)
              for sandbox in (["bubblewrap"] if HAS_BWRAP else []) + ["kernel"]
              for kind, submissions, options in [
                  ("neighbour", ["copies_the_neighbour", "solutions"], {}),
                  ("leak", ["leaks_what_it_reads"], {"gradescope": True})]),
        ]
        try:
            for name, sandbox, submissions, options in wanted:
                self.batches[name] = start_batch(name, folder / name, sandbox, submissions, **options)
        except BaseException:
            self.close()
            raise

    def batch(self, name: str) -> Batch:
        if name not in self.batches:
            pytest.skip(f"no {name} batch: bwrap is not installed")
        return self.batches[name]

    def run(self, name: str) -> GraderRun:
        return self.batch(name).wait()

    def close(self) -> None:
        """Stop what is still running and remove what the attacks managed to leave (all of it ours)."""
        for batch in self.batches.values():
            if batch.process.poll() is None:
                batch.process.kill()
                batch.process.wait()
            for argument in (batch.traps.sleep, batch.traps.raw_sleep):
                for pid in processes_with_argument(argument):
                    try:
                        os.kill(pid, signal.SIGKILL)
                    except ProcessLookupError:
                        pass
            for marker in batch.traps.every_marker():
                remove_marker(marker)
            shutil.rmtree(batch.traps.tmp, ignore_errors=True)


@pytest.fixture(scope="module")
def batches(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Batches]:
    started = Batches(tmp_path_factory.mktemp("grader"))
    try:
        yield started
    finally:
        started.close()


SANDBOXES = [pytest.param("bubblewrap", marks=pytest.mark.skipif(not HAS_BWRAP, reason="bwrap is not installed")),
             "kernel"]


@pytest.fixture(params=SANDBOXES)
def run(request: pytest.FixtureRequest, batches: Batches) -> GraderRun:
    """Every submission of the main batch, graded under one sandbox."""
    sandbox = request.param
    assert isinstance(sandbox, str)
    return batches.run(sandbox)


@pytest.fixture(params=SANDBOXES)
def batch(request: pytest.FixtureRequest, batches: Batches) -> Batch:
    """The main batch under one sandbox, finished, for what its attacks aimed at."""
    sandbox = request.param
    assert isinstance(sandbox, str)
    found = batches.batch(sandbox)
    found.wait()
    return found


def cases(report: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {case["key"]: case for case in report["cases"]}


def exercise_points(report: dict[str, Any]) -> dict[str, float]:
    return {e["name"]: e["points"] for e in report["exercises"]}


def passed_keys(report: dict[str, Any]) -> set[str]:
    return {key for key, case in cases(report).items() if case["status"] == "passed"}


def assert_graded_exactly(report: dict[str, Any], passing: set[str]) -> None:
    """The report passes exactly these instances and scores exactly their points, everywhere it says so."""
    assert set(cases(report)) == {i.key for i in all_instances()}
    assert passed_keys(report) == passing
    bonus = {i.key for e, instances in grading_plan() if e.bonus for i in instances}
    expected = sum(case_points()[key] for key in passing - bonus)
    assert report["score"] == pytest.approx(expected, abs=1e-9)
    assert report["bonus"] == pytest.approx(sum(case_points()[key] for key in passing & bonus), abs=1e-9)
    assert sum(case["points"] for case in report["cases"]) == pytest.approx(
        expected + report["bonus"], abs=1e-9)
    for case in report["cases"]:
        assert case["max_points"] == pytest.approx(case_points()[case["key"]])
        assert case["points"] == pytest.approx(case["max_points"] if case["key"] in passing else 0.0)
        assert (case["reason"] == "") == (case["key"] in passing), case
    for exercise in report["exercises"]:
        keys = {i.key for i in instances_of(exercise["name"])}
        assert exercise["max_points"] == exercise_named(exercise["name"]).points
        assert exercise["points"] == pytest.approx(sum(case_points()[k] for k in keys & passing), abs=1e-9)
        assert (exercise["status"] == "passed") == (keys <= passing), exercise


def keys_of(exercises: set[str]) -> set[str]:
    return {i.key for name in exercises for i in instances_of(name)}


def assert_fails_as_the_stubs_do(run: GraderRun, submission: str) -> None:
    """A stub with an attack added earns 0, each case failing for the very reason the plain stubs' case does."""
    report = run.report(submission)
    assert_graded_exactly(report, set())
    stubs = cases(run.report("stubs"))
    assert {key: case["reason"] for key, case in cases(report).items()} == {
        key: case["reason"] for key, case in stubs.items()}
    assert report["status"] == "graded"


def assert_each_failure_raised(report: dict[str, Any], error: str) -> None:
    """Each failed case raised error; or, if its scenario names the errors it catches (with raised()),
    returned that error's name where PyTorch's gives another, or raised it outside raised()."""
    catching = {i.key for i in all_instances() if "raised(" in i.case.source}
    for key, case in cases(report).items():
        if case["status"] == "failed":
            allowed = ("differs from PyTorch", f"raised: {error}") if key in catching else (f"raised: {error}",)
            assert case["reason"].startswith(allowed), case
    assert any(case["reason"].startswith(f"raised: {error}") for case in report["cases"])


def failed_reasons(report: dict[str, Any]) -> list[str]:
    return [case["reason"] for case in report["cases"] if case["status"] == "failed"]


# --- What honest work earns, found here in this process ----------------------------------------------


@contextmanager
def importable(folder: Path, files: Files) -> Iterator[Implementation]:
    """files as a package importable in this process, for as long as the block runs."""
    package = f"grader_test_twin_{uuid.uuid4().hex[:8]}"
    (folder / package).mkdir(parents=True)
    for name, source in files.items():
        (folder / package / name).write_text(source)
    sys.path.insert(0, str(folder))
    try:
        yield Implementation(package)
    finally:
        sys.path.remove(str(folder))
        for module in [m for m in sys.modules if m == package or m.startswith(package + ".")]:
            del sys.modules[module]


def predicted_failure(outcome: Outcome, reference: Outcome) -> Optional[str]:
    """None if the outcome passes as the reference does, else the kind of failure the grader reports."""
    if outcome.problem is not None:
        return outcome.problem.kind
    try:
        mine = validate(outcome.result)
    except BadResult:
        return "bad result"
    assert reference.result is not None
    return None if mine == validate(reference.result) else "differs from PyTorch"


@pytest.fixture(scope="module")
def backward_free(tmp_path_factory: pytest.TempPathFactory) -> set[str]:
    """The instances whose scenarios never call backward(): a twin whose backward() raises tells."""
    called: list[object] = []
    twin = with_first_lines(solution("backward"), "backward",
                            'CALLED.append(root)\nraise RuntimeError("backward() was called")')
    twin += "\n\nCALLED: list = []\n"
    free = set()
    with importable(tmp_path_factory.mktemp("twin"), exercise_files(set(NAMES), backward=twin)) as impl:
        called = importlib.import_module(f"{impl.package}.backward").CALLED
        for instance in all_instances():
            called.clear()
            run_in_process(instance, impl)
            if not called:
                free.add(instance.key)
    return free


@pytest.fixture(scope="module")
def lying_verdicts(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Optional[str]]]:
    """For each lying submission, each value instance's predicted failure kind (None: it passes)."""
    reference = Implementation("solutions")
    verdicts: dict[str, dict[str, Optional[str]]] = {}
    for name in ("lying_float_subclass", "grads_equal_to_anything"):
        files = SUBMISSIONS[name](Traps.new(Path("/nonexistent")))
        with importable(tmp_path_factory.mktemp("liar"), files) as impl:
            verdicts[name] = {i.key: predicted_failure(run_in_process(i, impl), run_in_process(i, reference))
                              for i in instances_of("value")}
    return verdicts


# --- Every batch --------------------------------------------------------------------------------------


def test_the_grader_finishes_with_one_report_and_one_gradebook_row_per_submission(run: GraderRun) -> None:
    """Exit status 0, and the JSON and the CSV each cover every submission given, the unreadable one too."""
    assert run.returncode == 0, run.explain()
    assert run.grades is not None and run.rows is not None and run.header is not None
    names = [Path(s).name for s in MAIN_BATCH]
    assert [r["submission"] for r in run.grades["submissions"]] == names
    assert [row["submission"] for row in run.rows] == names
    assert run.header == ["submission", *NAMES, "total", "bonus", "status"]
    described = run.grades["sandbox"]
    assert described.startswith("bubblewrap:" if run.sandbox == "bubblewrap" else "kernel confinement:")


def test_the_gradebook_matches_the_json_report_cell_for_cell(run: GraderRun) -> None:
    """Each CSV row carries the JSON's points per exercise and total, to the cent, and its status."""
    assert run.grades is not None, run.explain()
    for report in run.grades["submissions"]:
        row = run.row(report["submission"])
        for exercise in report["exercises"]:
            assert row[exercise["name"]] == f"{exercise['points']:.2f}"
        assert row["total"] == f"{report['score']:.2f}"
        assert row["status"] == report["status"]


def test_grading_leaves_no_work_directory_in_the_temp_dir(batches: Batches) -> None:
    """TMPDIR, fresh for each finished run that survived, is empty afterwards: no kata-grade-* left."""
    for name in ("bubblewrap", "kernel", "timeout"):
        if name in batches.batches:
            finished = batches.run(name)
            assert finished.returncode == 0, finished.explain()
            assert sorted(p.name for p in finished.tmpdir.iterdir()) == []


def test_grading_leaves_every_submission_as_it_was(batches: Batches) -> None:
    """Not a byte of any submission, folder or zip, changes: the grader copies what it runs."""
    for batch in batches.batches.values():
        batch.wait()
        for name, path in batch.submissions.items():
            assert snapshot(path) == batch.before[name], f"{batch.name}: {name}"


# --- Honest submissions --------------------------------------------------------------------------------


def test_the_solutions_earn_full_marks_and_shadowing_modules_beside_them_are_ignored(run: GraderRun) -> None:
    """solutions/ scores 100; conftest.py, torch.py and math.py beside it are listed as ignored, not run."""
    report = run.report("solutions")
    assert_graded_exactly(report, {i.key for i in all_instances()})
    assert report["score"] == pytest.approx(full_marks())
    assert full_marks() == pytest.approx(100)
    assert sorted(report["ignored"]) == sorted(SHADOWS)
    assert report["refused"] == []
    assert report["status"] == "graded"
    assert run.row("solutions")["total"] == f"{full_marks():.2f}"


def test_the_untouched_stubs_earn_nothing_each_case_saying_what_is_unwritten(run: GraderRun) -> None:
    """Every case fails: the stub's NotImplementedError, or (for a case about errors) a different error."""
    report = run.report("stubs")
    assert_graded_exactly(report, set())
    assert report["status"] == "graded"
    for reason in failed_reasons(report):
        assert reason.startswith(("raised: NotImplementedError", "differs from PyTorch")), reason
    assert any("NotImplementedError" in e["status"] for e in report["exercises"])


def test_two_solved_exercises_earn_exactly_their_points(run: GraderRun) -> None:
    """value.py and backward.py solved, the rest stubs: the points of value and backward, no more."""
    report = run.report("value_and_backward_only")
    assert_graded_exactly(report, keys_of({"value", "backward"}))
    assert report["score"] == pytest.approx(points_of({"value", "backward"}))
    assert exercise_points(report)["neuron"] == 0


@pytest.mark.parametrize("name", BUGGY)
def test_a_classic_slip_in_a_newer_exercise_costs_exactly_the_cases_it_changes(
        run: GraderRun, tmp_path: Path, name: str) -> None:
    """The cases whose numbers the slip changes fail, found here in this process; every other passes."""
    files = SUBMISSIONS[name](Traps.new(Path("/nonexistent")))
    with importable(tmp_path, files) as impl:  # judged as the grader judges, case tolerances included
        passing = {i.key for i in all_instances()
                   if judge(i, run_in_process(i, impl), oracle_outcome(i)).passed}
    assert keys_of({"value", "backward"}) <= passing < {i.key for i in all_instances()}
    assert_graded_exactly(run.report(name), passing)


def test_a_syntax_error_costs_the_broken_exercise_and_those_that_import_it(run: GraderRun) -> None:
    """A syntax error in layer.py fails every case whose modules import layer.py; the others all pass."""
    broken = {name for name in NAMES if "layer" in modules_behind(name)}
    assert "layer" in broken and "value" not in broken
    report = run.report("syntax_error_in_layer")
    assert_graded_exactly(report, keys_of(set(NAMES) - broken))
    assert report["score"] == pytest.approx(points_of(set(NAMES) - broken))
    assert_each_failure_raised(report, "SyntaxError")


def test_a_missing_module_imported_by_value_costs_everything(run: GraderRun) -> None:
    """value.py imports a module that does not exist: every case needs Value, so all fail with the error."""
    assert all("value" in modules_behind(name) for name in NAMES)
    report = run.report("missing_module_in_value")
    assert_graded_exactly(report, set())
    assert_each_failure_raised(report, "ModuleNotFoundError: No module named 'kata_grader_test_no_such_module'")


def test_an_endless_backward_times_out_case_by_case_and_the_rest_still_pass(
        batches: Batches, backward_free: set[str]) -> None:
    """backward() loops forever: each case that calls it times out (the first after 1 s, most later ones
    stopped early where the first hung); every other case passes."""
    finished = batches.run("timeout")
    assert finished.returncode == 0, finished.explain()
    report = finished.report("endless_backward")
    assert keys_of({"value"}) <= backward_free  # exercise 1 is graded without backward()
    assert backward_free < {i.key for i in all_instances()}
    assert_graded_exactly(report, backward_free)
    hung = len(all_instances()) - len(backward_free)
    for reason in failed_reasons(report):
        assert reason.startswith(("timed out: no result after 1 s", "timed out: stopped early")), reason
    assert report["status"] == f"graded; {hung} timed out"
    assert report["seconds"] < 3.0 * hung + 30, "the 1 s cap was not what cut the hanging cases"


def test_a_zip_of_a_repository_is_graded_from_its_exercises_folder(run: GraderRun) -> None:
    """repo-main/exercises/*.py scores 100; the copies at the top and in solutions/ and README are ignored."""
    report = run.report(ZIPPED)
    assert_graded_exactly(report, {i.key for i in all_instances()})
    assert sorted(report["ignored"]) == ["repo-main/README.md", "repo-main/solutions/value.py", "repo-main/value.py"]
    assert report["refused"] == []


def test_a_file_that_is_no_submission_gets_a_zero_row_and_a_refusal(run: GraderRun) -> None:
    """A text file is refused with its reason in the report, and still has its row of zeros in the gradebook."""
    report = run.report(NOT_A_SUBMISSION)
    assert_graded_exactly(report, set())
    (refusal,) = report["refused"]
    assert "neither a directory nor a .zip file" in refusal
    row = run.row(NOT_A_SUBMISSION)
    assert [row[name] for name in NAMES] == ["0.00"] * len(NAMES) and row["total"] == "0.00"
    for reason in failed_reasons(report):
        assert reason.startswith("missing: the submission has no"), reason


def test_the_gradebook_row_of_a_refused_submission_says_it_was_refused(run: GraderRun) -> None:
    """The CSV's status column, the instructor's only view there, names the refusal rather than 'graded'."""
    status = run.row(NOT_A_SUBMISSION)["status"]
    assert "refused" in status or "neither a directory nor a .zip file" in status, status


# --- Hostile submissions ---------------------------------------------------------------------------------


def test_sys_exit_while_importing_value_is_a_raised_error_in_every_case(run: GraderRun) -> None:
    """sys.exit(0) at import: every case reports SystemExit as raised; nothing crashed."""
    report = run.report("sys_exit_at_import")
    assert_graded_exactly(report, set())
    for reason in failed_reasons(report):
        assert reason.startswith("raised: SystemExit"), reason
    assert report["status"] == "graded"


def test_os_exit_while_importing_value_crashes_every_case_and_the_grader_carries_on(run: GraderRun) -> None:
    """os._exit(0) at import ends each fresh child: every case 'crashed', and the run completes."""
    report = run.report("os_exit_at_import")
    assert_graded_exactly(report, set())
    for reason in failed_reasons(report):
        assert reason.startswith("crashed: the process running your code ended"), reason
    assert report["status"] == f"graded; {len(all_instances())} crashed"


@pytest.mark.parametrize("name", ["lying_float_subclass", "grads_equal_to_anything"])
def test_numbers_that_lie_about_equality_are_bad_results(
        run: GraderRun, lying_verdicts: dict[str, dict[str, Optional[str]]], name: str) -> None:
    """A float subclass, or a grad object, whose __eq__ always says True fails as a bad result wherever it shows."""
    report = run.report(name)
    predicted = lying_verdicts[name]
    lied = {key for key, kind in predicted.items() if kind is not None}
    assert lied and all(predicted[key] == "bad result" for key in lied)
    assert_graded_exactly(report, set(predicted) - lied)
    for key in lied:
        assert cases(report)[key]["reason"].startswith("bad result: "), cases(report)[key]
    assert exercise_points(report)["value"] < exercise_named("value").points


def test_patching_the_judge_inside_the_child_changes_nothing(run: GraderRun) -> None:
    """math.isclose and kata.core.compare patched to always agree, in the child: value's points, and only those."""
    report = run.report("patches_the_judge")
    assert_graded_exactly(report, keys_of({"value"}))
    assert report["score"] == pytest.approx(points_of({"value"}))


def test_a_memory_hog_at_import_is_stopped_by_memory_error_and_costs_every_case(run: GraderRun) -> None:
    """bytearray(8 GiB) at import: every case raised MemoryError under the child's limit."""
    report = run.report("memory_hog")
    assert_graded_exactly(report, set())
    assert_each_failure_raised(report, "MemoryError")


@pytest.mark.parametrize("name", ["detaches_processes", "detaches_through_fork_exec"])
def test_starting_processes_at_import_does_not_change_the_grade(run: GraderRun, name: str) -> None:
    """value.py solved but starting sleeps as it is imported (errors swallowed): exactly value's points."""
    assert_graded_exactly(run.report(name), keys_of({"value"}))


def assert_no_process_with(argument: str) -> None:
    deadline = time.monotonic() + 5.0
    while processes_with_argument(argument) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert processes_with_argument(argument) == [], f"a 'sleep {argument}' outlived grading"


def test_no_process_started_by_ordinary_routes_outlives_grading(batch: Batch) -> None:
    """Popen in a new session, a double fork, posix_spawn and os.system: none of their sleeps survive."""
    assert batch.finished is not None and batch.finished.returncode == 0, batch.finished
    assert_no_process_with(batch.traps.sleep)


@pytest.mark.parametrize("batch", [
    pytest.param("bubblewrap", marks=pytest.mark.skipif(not HAS_BWRAP, reason="bwrap is not installed")),
    "kernel",
], indirect=True)
def test_no_process_started_through_fork_exec_outlives_grading(batch: Batch) -> None:
    """_posixsubprocess.fork_exec with a new session, beneath subprocess's audit event: its sleep dies too."""
    assert batch.finished is not None and batch.finished.returncode == 0, batch.finished
    assert_no_process_with(batch.traps.raw_sleep)


def test_the_reference_solution_cannot_be_read_from_inside(run: GraderRun) -> None:
    """A stub that execs solutions/value.py if it can read it, by path, /proc or import: still nothing."""
    assert_fails_as_the_stubs_do(run, "reads_the_reference")


def test_plain_writes_outside_the_work_directory_fail(batch: Batch) -> None:
    """open, pathlib, os.open, shutil.copyfile and os.mkdir at the repository root and in /tmp: no file appears."""
    assert batch.finished is not None
    assert_fails_as_the_stubs_do(batch.finished, "writes_outside")
    for marker in batch.traps.markers:
        assert not os.path.lexists(marker), f"{marker} was created while grading"


@pytest.mark.parametrize("batch", [
    pytest.param("bubblewrap", marks=pytest.mark.skipif(not HAS_BWRAP, reason="bwrap is not installed")),
    "kernel",
], indirect=True)
def test_renames_links_and_special_files_outside_the_work_directory_fail(batch: Batch) -> None:
    """os.rename, os.replace, os.link, os.symlink, os.mkfifo and os.mknod aimed at /tmp and beyond: nothing appears."""
    assert batch.finished is not None
    assert_fails_as_the_stubs_do(batch.finished, "links_outside")
    for marker in batch.traps.link_markers:
        assert not os.path.lexists(marker), f"{marker} was created while grading"


@pytest.mark.parametrize("attack", ["reads_the_reference", "writes_outside", "links_outside"])
def test_each_attack_succeeds_where_nothing_contains_it(
        attack: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The control: imported here, unsandboxed, each attack does what it tries, so its zero above means something."""
    monkeypatch.chdir(tmp_path)  # the link attack makes its scratch file in the current directory
    outside = tmp_path / "outside"
    outside.mkdir()
    traps = Traps("control", "", "", (outside / "written-a", outside / "written-b"),
                  (outside / "linked-a", outside / "linked-b"))
    with importable(tmp_path / "package", SUBMISSIONS[attack](traps)) as impl:
        importlib.import_module(f"{impl.package}.value")
        if attack == "reads_the_reference":
            reference = Implementation("solutions")
            for instance in instances_of("value"):
                assert predicted_failure(run_in_process(instance, impl), run_in_process(instance, reference)) is None
        else:
            for marker in traps.markers if attack == "writes_outside" else traps.link_markers:
                assert os.path.lexists(marker), marker


@pytest.mark.parametrize("attack", ["forges_from_the_graders_tree", "calls_through_another_architecture",
                                    "copies_the_neighbour", "leaks_what_it_reads"])
def test_each_attack_on_the_boundary_succeeds_where_nothing_contains_it(attack: str, tmp_path: Path) -> None:
    """The control, in a plain Python process: each attack gets the reference's Value (or, for the
    leak, the secrets), so that its zero under each sandbox means the boundary held."""
    traps = Traps.new(tmp_path / "outside", tmp_path / "tmp")
    neighbour = traps.tmp / "kata-grade-neighbour" / "exercises"
    neighbour.mkdir(parents=True)
    (neighbour / "value.py").write_text(solution("value"))
    (tmp_path / "learner").mkdir()
    for name, source in SUBMISSIONS[attack](traps).items():
        (tmp_path / "learner" / name).write_text(source)
    secret = uuid.uuid4().hex
    probe = subprocess.run(
        [sys.executable, "-c", "import sys\nsys.path.insert(0, '.')\nfrom learner.value import Value\n"
                               "try:\n    print(Value(2.0).data)\nexcept RuntimeError as error:\n    print(error)"],
        cwd=tmp_path, capture_output=True, text=True, timeout=60, env={**os.environ, "KATA_TEST_SECRET": secret})
    assert probe.returncode == 0, probe.stderr
    if attack == "leaks_what_it_reads":
        assert secret in probe.stdout and "root:x:0:0" in probe.stdout
    else:
        assert probe.stdout.strip() == "2.0", probe.stdout


def test_reading_the_graders_tree_through_any_route_earns_nothing(run: GraderRun) -> None:
    """A stub that disarms the audit hook through gc, then opens solutions/value.py by dir_fd, path or
    /proc: the kernel refuses the reads, so it fails as the stubs do."""
    assert_fails_as_the_stubs_do(run, "forges_from_the_graders_tree")


def test_code_planted_for_the_next_child_never_runs_before_its_guard(run: GraderRun) -> None:
    """A stub that writes a resource.py beside the runner and swaps kata/ for its own copy, then
    crashes so that another child starts there: neither can be written, so nothing is copied in."""
    assert_graded_exactly(run.report("plants_code_for_the_next_child"), set())


def test_a_child_can_write_nothing_where_it_runs(run: GraderRun) -> None:
    """A stub that writes 50 MB of files and a directory 1500 deep in and beside exercises/ fails
    as the stubs do: nothing is written, nothing is left, nothing fails the grader's clean-up."""
    assert_fails_as_the_stubs_do(run, "writes_where_it_runs")


def test_system_calls_through_another_architecture_end_the_child(run: GraderRun) -> None:
    """int 0x80 (i386) and x32 calls are not let through: the child is killed, every case scores 0."""
    report = run.report("calls_through_another_architecture")
    assert_graded_exactly(report, set())


def test_forged_result_lines_cost_their_own_cases_and_nothing_else(run: GraderRun) -> None:
    """Lines with a 4001-digit seed, 100,000 brackets, a malformed graph, a forged time-out with a huge
    place, or a megabyte graph: each case fails with a reason, and the class is graded as usual."""
    assert run.returncode == 0, run.explain()
    report = run.report("forges_result_lines")
    assert_graded_exactly(report, set())
    for reason in failed_reasons(report):
        assert len(reason) < 2000, reason[:200]


@pytest.mark.parametrize("sandbox", SANDBOXES)
def test_a_submission_cannot_copy_the_work_graded_beside_it(batches: Batches, sandbox: str) -> None:
    """Graded at the same time as the solutions (-j 2), a stub that looks for their folder through
    /proc and the temporary directories finds nothing it can read."""
    finished = batches.run(f"neighbour-{sandbox}")
    assert finished.returncode == 0, finished.explain()
    assert_graded_exactly(finished.report("copies_the_neighbour"), set())
    assert_graded_exactly(finished.report("solutions"), {i.key for i in all_instances()})


VISIBLE_OUTPUT_LIMIT = 600  # characters of one visible test's output: a few hundred, as Gradescope advises


@pytest.mark.parametrize("sandbox", SANDBOXES)
def test_no_visible_output_carries_a_hidden_case_the_environment_or_a_file(batches: Batches, sandbox: str) -> None:
    """A stub whose every failure message is all it could read (the hidden suites, the environment,
    grader.py, /etc/passwd, /proc/*/environ): results.json shows a student none of it."""
    finished = batches.run(f"leak-{sandbox}")
    results = finished.gradescope
    assert results is not None, finished.explain()
    visible = [results["output"], *(t["output"] for t in results["tests"] if t["visibility"] == "visible")]
    hidden_source = (ROOT / "tests" / "hidden" / "test_backward.py").read_text().splitlines()[0]
    assert all(len(output) <= VISIBLE_OUTPUT_LIMIT for output in visible[1:])
    for output in visible:
        for secret in (SECRET, "root:x:0:0", hidden_source, "Grade a class: python grader.py"):
            assert secret not in output, output[:300]


def test_fake_result_lines_on_every_descriptor_earn_nothing(run: GraderRun) -> None:
    """A stub that writes made-up results for every case to fds 0-50 and every stream gets 0, with reasons."""
    report = run.report("claims_fake_results")
    assert_graded_exactly(report, set())
    assert report["status"] == "graded"
    for reason in failed_reasons(report):
        assert reason.startswith(("bad result", "differs from PyTorch", "raised: NotImplementedError")), reason


# --- Attacks on the grader itself -------------------------------------------------------------------------


def assert_the_innocent_submission_is_graded(finished: GraderRun) -> None:
    assert finished.returncode == 0, finished.explain()
    assert_graded_exactly(finished.report("value_and_backward_only"), keys_of({"value", "backward"}))
    assert sorted(p.name for p in finished.tmpdir.iterdir()) == []


def test_rewriting_the_runner_from_inside_costs_only_that_submission(batches: Batches) -> None:
    """A stub that overwrites kata/core/child.py in its work directory and exits gets 0; the class is still graded."""
    finished = batches.run("sabotage")
    assert_the_innocent_submission_is_graded(finished)
    assert_graded_exactly(finished.report("sabotages_the_runner"), set())


def test_signalling_the_grader_from_inside_cannot_kill_it(batches: Batches) -> None:
    """Under kernel confinement, SIGKILL sent to the parent through a pidfd neither stops nor changes the grading."""
    finished = batches.run("signal")
    assert_the_innocent_submission_is_graded(finished)
    assert_graded_exactly(finished.report("signals_the_grader"), set())


def test_a_corrupt_zip_is_refused_and_the_class_is_still_graded(batches: Batches) -> None:
    """A zip whose member fails its CRC is a refused submission with zero points, not the end of the run."""
    finished = batches.run("corrupt-zip")
    assert_the_innocent_submission_is_graded(finished)
    report = finished.report(CORRUPT_ZIP)
    assert_graded_exactly(report, set())
    assert report["refused"], report


# --- Gradescope ----------------------------------------------------------------------------------------------


def test_gradescope_results_have_gradescopes_shape_and_add_up(batches: Batches) -> None:
    """results.json: known top-level keys; each test named and numbered, scored, passed or failed; score = sum."""
    finished = batches.run("timeout")
    results = finished.gradescope
    assert results is not None, finished.explain()
    assert set(results) <= GRADESCOPE_TOP
    tests = results["tests"]
    assert len(tests) == len(all_instances())
    for test in tests:
        assert {"name", "number", "score", "max_score", "status", "visibility"} <= set(test)
        assert isinstance(test["name"], str) and test["name"]
        assert isinstance(test["number"], str)
        assert test["status"] in ("passed", "failed")
        assert test["score"] == pytest.approx(test["max_score"] if test["status"] == "passed" else 0.0)
    bonus = {e.name for e in EXERCISES if e.bonus}  # reported apart from the score
    assert results["score"] == pytest.approx(sum(test["score"] for test in tests
                                                 if test["name"].split(": ", 1)[0] not in bonus))
    assert results["score"] == pytest.approx(finished.report("endless_backward")["score"])
    assert len({test["number"] for test in tests}) == len(tests)


def test_gradescope_shows_hidden_cases_only_after_publishing(batches: Batches) -> None:
    """Cases from tests/hidden/ are 'after_published'; every other case is 'visible'."""
    finished = batches.run("timeout")
    assert finished.gradescope is not None, finished.explain()
    hidden = [i.case.hidden for i in all_instances()]
    assert any(hidden) and not all(hidden)
    assert [t["visibility"] for t in finished.gradescope["tests"]] == [
        "after_published" if h else "visible" for h in hidden]
    rows = finished.report("endless_backward")["cases"]
    assert [case["hidden"] for case in rows] == hidden



def test_gradescope_overall_output_names_no_hidden_case() -> None:
    """The output every student sees gives points per exercise; a hidden case's name stays in its
    test, and its reason there is the kind of failure alone, never the submission's own words."""
    from kata.core.compare import Verdict
    from kata.core.scoring import ExerciseScore
    from kata.grading.exports import gradescope_results
    from kata.grading.grade import Report
    from kata.grading.sandbox import Sandbox
    from kata.grading.submission import Submission

    backward = exercise_named("backward")
    hidden = [i for i in instances_of("backward") if i.case.hidden]
    verdicts = [Verdict(i, False, Problem(ProblemKind.RAISED, "secret reason")) for i in hidden]
    report = Report(Submission("learner"), [ExerciseScore(backward, verdicts)], 0.1)
    results = gradescope_results(report.result(), Sandbox("kernel confinement", "test sandbox"))
    assert "secret reason" not in results["output"]
    assert not any(i.case.title in results["output"] for i in hidden)
    assert {t["visibility"] for t in results["tests"]} == {"after_published"}
    assert all(t["output"] == "raised" for t in results["tests"])
