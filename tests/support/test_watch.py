"""kata.learner.watch: make watch reruns make check whenever a file in exercises/ is saved."""

import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from kata.learner.watch import CLEAR, snapshot, watch
from kata.repository import ROOT

SECOND = 1_000_000_000  # nanoseconds
EPOCH = 1_700_000_000 * SECOND  # a fixed modification time, far from "now"


def save(path: Path, text: str, mtime_ns: int) -> None:
    """Write text to path and give it exactly this modification time."""
    path.write_text(text)
    os.utime(path, ns=(mtime_ns, mtime_ns))


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """An exercises/-like folder holding two Python files and a hints file."""
    home = tmp_path / "exercises"
    home.mkdir()
    save(home / "value.py", "a = 1\n", EPOCH)
    save(home / "backward.py", "b = 1\n", EPOCH)
    save(home / "value.hints.md", "a hint\n", EPOCH)
    return home


def test_an_untouched_folder_gives_the_same_snapshot_twice(folder: Path) -> None:
    """Nothing saved, nothing changed: watch must not rerun on its own."""
    first = snapshot(folder)
    assert snapshot(folder) == first
    assert [name for name, _, _ in first] == ["backward.py", "value.py"]


def test_a_save_with_the_same_size_changes_the_snapshot_through_its_mtime(folder: Path) -> None:
    """a = 1 becomes a = 2: same size, but a later mtime, and the snapshot differs."""
    before = snapshot(folder)
    save(folder / "value.py", "a = 2\n", EPOCH + SECOND)
    after = snapshot(folder)
    assert (folder / "value.py").stat().st_size == 6
    assert after != before
    assert dict((name, mtime) for name, mtime, _ in after)["value.py"] == EPOCH + SECOND


def test_a_save_that_changes_the_size_changes_the_snapshot_even_at_the_same_mtime(folder: Path) -> None:
    """A save within the file system's mtime resolution still shows, through the file's size."""
    before = snapshot(folder)
    save(folder / "value.py", "a = 10\n", EPOCH)
    assert snapshot(folder) != before


def test_adding_or_removing_a_python_file_changes_the_snapshot(folder: Path) -> None:
    """A new exercise file appears in the snapshot, and a deleted one leaves it."""
    before = snapshot(folder)
    save(folder / "neuron.py", "n = 1\n", EPOCH)
    added = snapshot(folder)
    assert added != before and "neuron.py" in [name for name, _, _ in added]
    (folder / "neuron.py").unlink()
    assert snapshot(folder) == before
    (folder / "backward.py").unlink()
    removed = snapshot(folder)
    assert [name for name, _, _ in removed] == ["value.py"]


def test_files_that_are_not_python_do_not_change_the_snapshot(folder: Path) -> None:
    """Hints and editor files are not exercises: saving them reruns nothing."""
    before = snapshot(folder)
    save(folder / "value.hints.md", "another, longer hint\n", EPOCH + SECOND)
    save(folder / ".value.py.swp", "swap\n", EPOCH + SECOND)
    assert snapshot(folder) == before


def test_watch_runs_once_at_start_once_per_change_and_stops_after_max_runs(
    folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """run is called at once, not again while nothing changes, then once after a save; then watch returns."""
    runs: list[int] = []
    first_run = threading.Event()

    def run() -> None:
        runs.append(len(runs))
        first_run.set()

    watcher = threading.Thread(
        target=watch, args=(folder, run), daemon=True,
        kwargs={"interval": 0.05, "max_runs": 2, "clear": False})
    watcher.start()
    assert first_run.wait(timeout=5), "watch did not run at start"
    watcher.join(timeout=0.3)  # several intervals with nothing saved
    assert watcher.is_alive() and runs == [0]
    save(folder / "value.py", "a = 2\n", EPOCH + SECOND)
    watcher.join(timeout=5)
    assert not watcher.is_alive(), "watch did not stop after max_runs"
    assert runs == [0, 1]
    out = capsys.readouterr().out
    assert out.count("Watching exercises/ for saved changes") == 2
    assert CLEAR not in out


def test_watch_clears_the_screen_before_each_run_when_asked(
    folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """With clear=True the screen is cleared before the report, and max_runs=1 returns after one run."""
    watch(folder, lambda: print("the report"), interval=0.01, max_runs=1, clear=True)
    out = capsys.readouterr().out
    assert out.startswith(CLEAR + "the report\n")
    assert "Watching exercises/" in out


def test_make_watch_prints_make_checks_report_and_exits_0(tmp_path: Path) -> None:
    """python -m kata.learner.watch --max-runs 1 runs make check on exercises/ once, says it watches, exits 0.

    KATA_HOME keeps the progress and cache this run writes away from the learner's own.
    """
    env = dict(os.environ, KATA_HOME=str(tmp_path / "kata-home"))
    report = subprocess.run([sys.executable, "-m", "kata.learner.watch", "--max-runs", "1", "--interval", "0.01"],
                            cwd=ROOT, capture_output=True, text=True, timeout=120, env=env)
    assert report.returncode == 0, report.stdout + report.stderr
    assert "Backpropagation kata (exercises/)" in report.stdout
    assert "Watching exercises/" in report.stdout
    assert report.stdout.index("Backpropagation kata") < report.stdout.index("Watching exercises/")
    assert CLEAR not in report.stdout  # stdout is a pipe, not a terminal
    assert "Traceback" not in report.stderr
