"""The scheduler names no domain: a domain registers by having `tasks.tick`."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from huiqi.kit.scheduler import domain_ticks


def test_domains_with_a_tick_are_found(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = tmp_path / "fakepkg"
    for name, tasks in (("alpha", "def tick(session, clock):\n    return 1\n"),
                        ("beta", "STEP = 1\n"),  # a tasks module without a tick
                        ("gamma", None)):  # no tasks module
        (root / name).mkdir(parents=True)
        (root / name / "__init__.py").write_text("")
        if tasks is not None:
            (root / name / "tasks.py").write_text(tasks)
    (root / "__init__.py").write_text("")
    monkeypatch.syspath_prepend(str(tmp_path))
    try:
        assert domain_ticks("fakepkg") == ["fakepkg.alpha.tasks:tick"]
    finally:
        for name in [m for m in sys.modules if m.startswith("fakepkg")]:
            del sys.modules[name]


def test_the_app_ticks_are_the_domains() -> None:
    found = domain_ticks("huiqi")
    assert "huiqi.grants.tasks:tick" in found and "huiqi.appeals.tasks:tick" in found
