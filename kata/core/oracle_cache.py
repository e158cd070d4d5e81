"""PyTorch's answers for make check, kept on disk so that a repeat run never imports PyTorch.

An answer is keyed by everything that could change it: the suite's source,
the case and its seed, the oracle's own source and PyTorch's version. A
changed case simply misses the cache and is computed afresh.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.util
import inspect
import json
from pathlib import Path

from kata.core.cases import Instance
from kata.core.outcome import Outcome, oracle_outcome
from kata.repository import HOME, ROOT

PATH = HOME / "oracle-cache.json"
# The case machinery, whose changes could change an answer: all of it, rather than a list that could drift.
SOURCES = ROOT / "kata" / "core"


@functools.cache
def _support_digest() -> str:
    # PyTorch's build, read from its version.py without importing it; importlib.metadata would
    # cost a repeat check 30 ms of imports.
    torch = importlib.util.find_spec("torch")
    if torch is None or torch.origin is None:
        raise RuntimeError("PyTorch is not installed: make check needs it for the expected numbers")
    digest = hashlib.sha256((Path(torch.origin).parent / "version.py").read_bytes())
    for source in sorted(SOURCES.rglob("*.py")):  # the oracle's package too
        digest.update(source.read_bytes())
    return digest.hexdigest()


@functools.cache
def _file_digest(path: str) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def cache_key(instance: Instance) -> str:
    suite = inspect.getsourcefile(instance.case.scenario) or ""
    parts = (_support_digest(), _file_digest(suite), instance.key)
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


class OracleCache:
    def __init__(self, path: Path = PATH) -> None:
        self.path = path
        try:
            self.answers: dict[str, object] = json.loads(path.read_text())
        except (OSError, ValueError):
            self.answers = {}
        self.changed = False

    def outcome(self, instance: Instance) -> Outcome:
        key = cache_key(instance)
        if key in self.answers:
            try:
                return Outcome.from_json(self.answers[key])
            except ValueError:
                pass  # a damaged entry: compute it again
        outcome = oracle_outcome(instance)
        self.answers[key] = outcome.to_json()
        self.changed = True
        return outcome

    def save(self) -> None:
        if self.changed:
            self.path.parent.mkdir(exist_ok=True)
            self.path.write_text(json.dumps(self.answers))
