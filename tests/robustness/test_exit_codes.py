"""Exit codes and messages (issue item 6). Every user error (bad path, bad flag, bad config,
unwritable output) is exactly one line on stderr, `readycheck: error: ...`, and exit 2, with no
traceback; an internal error is a short message that says where to report it, and exit 3 (the
traceback only under --debug); Ctrl-C is 130; report files are written atomically."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

import readycheck._io as io_module
import readycheck.reporters as reporters
from readycheck.cli import ISSUES_URL
from tests.conftest import cli
from tests.robustness.conftest import one_error_line


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    root.mkdir()
    (root / "app.py").write_text("print('hello')\n")
    return root


def _usage_error(*args: str) -> str:
    code, out, err = cli(*args)
    assert code == 2, (code, err)
    assert out == ""
    return one_error_line(err)


# --- bad paths -----------------------------------------------------------------------------------


def test_a_missing_path(tmp_path: Path) -> None:
    line = _usage_error("audit", str(tmp_path / "nowhere"))
    assert line.endswith("nowhere: no such file or directory")


def test_a_file_where_a_folder_is_needed(project: Path) -> None:
    assert "not a directory" in _usage_error("audit", str(project / "app.py"))
    assert "not a directory" in _usage_error("baseline", str(project / "app.py"))


def test_an_unreadable_target_folder(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The tests run as root, whom chmod 000 does not stop: access() is made to deny this one
    folder, as it does for a non-root user."""
    real_access = os.access
    monkeypatch.setattr(os, "access", lambda p, mode, *a, **k: False if Path(p) == project else real_access(p, mode, *a, **k))
    assert _usage_error("audit", str(project)).endswith("permission denied")


def test_a_path_with_control_characters_is_shown_escaped(tmp_path: Path) -> None:
    line = _usage_error("audit", str(tmp_path / "evil\nname\x1b[2J"))
    assert "\x1b" not in line and "evil\\nname\\x1b[2J" in line


# --- bad flags -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "args, expected",
    [
        (("--bogus",), "No such option: --bogus"),
        (("--fail-on", "bogus"), "--fail-on: 'bogus' is not one of"),
        (("--format", "bogus"), "--format: unknown format 'bogus'"),
        (("--format", "json="), "the file name is missing"),
        (("--format", "json", "--format", "sarif"), "only one report can go to stdout"),
        (("--staged", "--history"), "do not go together"),
        (("--fail-on",), "requires an argument"),
    ],
    ids=["unknown-flag", "fail-on", "format", "format-file", "two-stdout", "conflict", "missing-value"],
)
def test_bad_flags_and_flag_values(project: Path, args: tuple[str, ...], expected: str) -> None:
    assert expected in _usage_error("audit", str(project), *args)


def test_an_unknown_command() -> None:
    assert "No such command" in _usage_error("audti")


# --- bad configuration ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, expected",
    [
        ("select: [RC0201\n", "line "),
        ("select: 5\n", "is not of type 'array'"),
        ("bogus_key: 1\n", "unknown key 'bogus_key'"),
        ("- just\n- a list\n", "readycheck.yaml"),
        ("\t: :\n", "readycheck.yaml"),
    ],
    ids=["syntax", "wrong-type", "unknown-key", "not-a-mapping", "garbage"],
)
def test_a_malformed_config(project: Path, text: str, expected: str) -> None:
    (project / "readycheck.yaml").write_text(text)
    assert expected in _usage_error("audit", str(project))


def test_a_config_that_tries_to_load_python_is_refused_without_running_it(project: Path, tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    for tag in ("!!python/object/apply:os.system", "!!python/object/new:os.system"):
        (project / "readycheck.yaml").write_text(f'select: {tag} ["touch {marker}"]\n')
        assert "readycheck.yaml" in _usage_error("audit", str(project))
        config = tmp_path / "other.yaml"
        config.write_text(f'select: {tag} ["touch {marker}"]\n')
        assert "other.yaml" in _usage_error("audit", str(project), "--config", str(config))
    assert not marker.exists()


def test_a_missing_config_file(project: Path, tmp_path: Path) -> None:
    assert "no such configuration file" in _usage_error("audit", str(project), "--config", str(tmp_path / "none.yaml"))


# --- unwritable output ---------------------------------------------------------------------------


def test_an_output_in_a_missing_folder(project: Path, tmp_path: Path) -> None:
    line = _usage_error("audit", str(project), "--output", str(tmp_path / "missing" / "report.txt"))
    assert line.startswith("readycheck: error: cannot write") and line.endswith("No such file or directory")


def test_an_output_that_is_a_folder(project: Path, tmp_path: Path) -> None:
    assert _usage_error("audit", str(project), "-f", "json", "-o", str(tmp_path)).endswith("Is a directory")
    assert "Is a directory" in _usage_error("audit", str(project), "-f", f"sarif={tmp_path}")


def test_an_output_in_a_read_only_location(project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """As root, a read-only folder is still writable: the temp file's creation in that folder
    is made to fail with EACCES, as it does for a non-root user."""
    locked = tmp_path / "locked"
    locked.mkdir()
    real_mkstemp = io_module.tempfile.mkstemp

    def mkstemp(*args: Any, **kwargs: Any) -> tuple[int, str]:
        if Path(kwargs.get("dir") or ".") == locked:
            raise PermissionError(13, "Permission denied", str(locked))
        return real_mkstemp(*args, **kwargs)

    monkeypatch.setattr(io_module.tempfile, "mkstemp", mkstemp)
    line = _usage_error("audit", str(project), "-o", str(locked / "report.txt"))
    assert line == f"readycheck: error: cannot write {locked / 'report.txt'}: Permission denied"
    assert list(locked.iterdir()) == []


# --- internal errors, interrupts -----------------------------------------------------------------


def _boom(*args: Any, **kwargs: Any) -> str:
    raise RuntimeError("reporter exploded\nsecond line")


def test_an_internal_error_says_where_to_report_it_and_exits_3(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(reporters, "render", _boom)
    code, out, err = cli("audit", str(project), "--no-cache")
    assert code == 3 and out == ""
    assert "Traceback" not in err
    lines = err.splitlines()
    assert lines[0] == "readycheck: internal error: RuntimeError: reporter exploded\\nsecond line"
    assert ISSUES_URL in lines[1] and "--debug" in lines[1]
    assert len(lines) == 2


def test_an_internal_error_under_debug_prints_the_traceback(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(reporters, "render", _boom)
    code, _, err = cli("audit", str(project), "--no-cache", "--debug")
    assert code == 3
    assert err.startswith("Traceback (most recent call last):") and "in _boom" in err
    assert ISSUES_URL in err


def test_the_issues_url_is_the_projects() -> None:
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    assert ISSUES_URL.removesuffix("/issues") in readme


def test_ctrl_c_exits_130(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def interrupted(*args: Any, **kwargs: Any) -> str:
        raise KeyboardInterrupt

    monkeypatch.setattr(reporters, "render", interrupted)
    code, out, err = cli("audit", str(project), "--no-cache")
    assert code == 130 and out == ""
    assert err == "readycheck: interrupted\n"


# --- atomic report files -------------------------------------------------------------------------


def test_a_failing_render_leaves_the_previous_report_untouched(project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    report = tmp_path / "out" / "report.json"
    report.parent.mkdir()
    code, _, err = cli("audit", str(project), "--no-cache", "-f", "json", "-o", str(report))
    assert code in (0, 1), err
    before = report.read_bytes()
    monkeypatch.setattr(reporters, "render", _boom)
    code, _, _ = cli("audit", str(project), "--no-cache", "-f", "json", "-o", str(report))
    assert code == 3
    assert report.read_bytes() == before
    assert sorted(p.name for p in report.parent.iterdir()) == ["report.json"]


def test_a_write_that_fails_midway_leaves_the_previous_report_and_no_temp_file(
    project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The disk fills up while the new report is written: the old one stays whole, the partial
    temp file is removed, and the user gets one line and exit 2."""
    report = tmp_path / "out" / "report.json"
    report.parent.mkdir()
    report.write_text('{"previous": true}\n')
    real_fdopen = io_module.os.fdopen

    class Full:
        def __init__(self, fh: Any) -> None:
            self.fh = fh

        def __enter__(self) -> Full:
            return self

        def __exit__(self, *exc: object) -> None:
            self.fh.close()

        def write(self, text: str) -> int:
            self.fh.write(text[: len(text) // 2])
            self.fh.flush()
            raise OSError(28, "No space left on device")

    monkeypatch.setattr(io_module.os, "fdopen", lambda *a, **k: Full(real_fdopen(*a, **k)))
    line = _usage_error("audit", str(project), "--no-cache", "-f", "json", "-o", str(report))
    assert line.endswith("No space left on device")
    assert report.read_text() == '{"previous": true}\n'
    assert sorted(p.name for p in report.parent.iterdir()) == ["report.json"]
