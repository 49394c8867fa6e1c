from __future__ import annotations

import os
from pathlib import Path

import pytest

from readycheck.index import SourceFile, build_index

from tests.conftest import init_repo


def write(root: Path, rel: str, data: str | bytes) -> Path:
    p = root / rel
    p.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(data, bytes):
        p.write_bytes(data)
    else:
        p.write_text(data)
    return p


def test_walk_honours_gitignore_and_skips_vendored(tmp_path: Path) -> None:
    write(tmp_path, "app/main.py", "print('hi')\n")
    write(tmp_path, ".gitignore", "secret_stuff/\n*.log\n")
    write(tmp_path, "secret_stuff/a.py", "x = 1\n")
    write(tmp_path, "run.log", "log\n")
    write(tmp_path, "node_modules/pkg/index.js", "module.exports = 1\n")
    write(tmp_path, ".venv/lib/site.py", "x = 1\n")
    write(tmp_path, "sub/.gitignore", "local.txt\n")
    write(tmp_path, "sub/local.txt", "ignored\n")
    write(tmp_path, "sub/kept.txt", "kept\n")
    index = build_index(tmp_path, use_git=False)
    paths = [f.path for f in index.files]
    assert paths == [".gitignore", "app/main.py", "sub/.gitignore", "sub/kept.txt"]
    assert not index.is_git


def test_git_listing_includes_untracked_not_ignored(tmp_path: Path) -> None:
    write(tmp_path, "a.py", "x = 1\n")
    write(tmp_path, ".gitignore", "ignored.py\n")
    init_repo(tmp_path, tags=("v1.0.0",))
    write(tmp_path, "new.py", "y = 2\n")
    write(tmp_path, "ignored.py", "z = 3\n")
    index = build_index(tmp_path)
    assert index.is_git
    assert [f.path for f in index.files] == [".gitignore", "a.py", "new.py"]
    git = index.git
    assert git is not None and git.branch == "main" and git.dirty and git.tags == ("v1.0.0",)
    assert git.commit and len(git.commit) == 40


def test_binary_large_and_invalid_utf8(tmp_path: Path) -> None:
    write(tmp_path, "logo.png", b"\x89PNG\r\n\x1a\n\x00\x00")
    write(tmp_path, "blob.dat", b"abc\x00def" * 10)
    write(tmp_path, "big.txt", "x" * 5000)
    write(tmp_path, "latin1.py", b"name = '\xe9t\xe9'\nclient = 1\n")
    index = build_index(tmp_path, use_git=False, max_file_size=1000)
    reasons = {s.path: s.reason for s in index.skipped}
    assert reasons["logo.png"] == "binary"
    assert reasons["blob.dat"] == "binary"
    assert reasons["big.txt"].startswith("larger than 1000")
    f = index.get("latin1.py")
    assert f is not None and "\ufffd" in f.text and f.python is not None and f.python.error is None


def test_symlink_outside_root_is_never_followed(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    write(outside, "secret.txt", "AKIA...\n")
    root = tmp_path / "repo"
    write(root, "ok.py", "x = 1\n")
    os.symlink(outside / "secret.txt", root / "link.txt")
    os.symlink(outside, root / "linkdir")
    os.symlink(root / "ok.py", root / "inside_link.py")
    index = build_index(root, use_git=False)
    paths = [f.path for f in index.files]
    assert "link.txt" not in paths and not any(p.startswith("linkdir") for p in paths)
    reasons = {s.path: s.reason for s in index.skipped}
    assert reasons["link.txt"] == "symlink pointing outside the target"
    assert reasons["linkdir"] == "symlinked folder not followed"
    assert "ok.py" in paths  # the inside link points at ok.py: read once, not twice
    assert "inside_link.py" not in paths


def test_each_file_is_parsed_once(tmp_path: Path, monkeypatch) -> None:
    write(tmp_path, "agent.py", "from openai import OpenAI\nc = OpenAI()\n")
    calls = []
    import readycheck.parsers.python_facts as pf

    real = pf.parse_python
    monkeypatch.setattr(pf, "parse_python", lambda *a, **k: calls.append(a) or real(*a, **k))
    index = build_index(tmp_path, use_git=False)
    f = index.get("agent.py")
    assert f is not None
    for _ in range(5):
        assert f.python is not None
    assert len(calls) == 1


def test_exclude_patterns(tmp_path: Path) -> None:
    write(tmp_path, "src/a.py", "x = 1\n")
    write(tmp_path, "tests/fixtures/b.py", "x = 1\n")
    index = build_index(tmp_path, use_git=False, exclude=["tests/fixtures/"])
    assert [f.path for f in index.files] == ["src/a.py"]


@pytest.mark.parametrize(
    "text",
    [
        "",
        "one",
        "one\n",
        "a\nb\r\nc\rd",
        "a\r\n\r\nb\n\n",
        "form\x0cfeed\x0bvertical\x1cfs\x1dgs\x1ers\x85nel\u2028ls\u2029ps",
        "trailing\r",
        "é\n日本\r\n🙂",
    ],
)
def test_reading_one_line_gives_what_lines_gives_without_building_lines(text: str) -> None:
    lazy = SourceFile("a.py", "/nowhere/a.py", len(text), text=text)
    whole = SourceFile("a.py", "/nowhere/a.py", len(text), text=text)
    expected = text.splitlines()
    assert whole.lines == expected
    for number in [None, -1, 0, *range(1, len(expected) + 3)]:
        assert lazy.line(number) == whole.line(number)
        assert lazy.line(number) == (expected[number - 1] if number is not None and 0 < number <= len(expected) else "")
    assert "lines" not in lazy.__dict__  # evidence for one line never holds the file's line list


_PATHS = [
    "RUNBOOK.md", "docs/runbooks/db.md", "docs/RUNBOOK-prod.md", "docs", "docs/a/b/c.txt", "a/docs/x.md",
    "requirements.txt", "svc/requirements-dev.txt", "svc/requirements/base.txt", "svc/requirements/sub/x.txt",
    "pyproject.toml", "svc/pyproject.toml", "x.md", "deep/x.md", "we ird/na[me].md", "ünï/cödé.py", ".github/workflows/ci.yml",
]
_PATTERN_SETS = [
    ["**/RUNBOOK*", "**/runbook*", "docs/runbooks/"],
    ["**/requirements*.txt", "**/requirements/*.txt", "**/pyproject.toml"],
    ["docs/", "*.md", "# a comment", ""],
    ["/RUNBOOK.md", "svc/**/x.txt", "**/[nN]a*.md", "we ird/*", "ünï/*.py", ".github/workflows/*.yml"],
    ["**/*.md", "!deep/x.md", "docs/**"],  # a negation: pathspec itself answers
    ["docs/**", "!docs/a/", "docs/a/b/c.txt"],
    ["# only a comment"],
]


@pytest.mark.parametrize("patterns", _PATTERN_SETS, ids=[f"set{i}" for i in range(len(_PATTERN_SETS))])
def test_glob_answers_as_pathspec_does(tmp_path: Path, patterns: list[str]) -> None:
    import pathspec

    from readycheck.index import _path_matcher

    spec = pathspec.GitIgnoreSpec.from_lines(patterns)
    match = _path_matcher(patterns)
    assert [p for p in _PATHS if match(p)] == [p for p in _PATHS if spec.match_file(p)]


def test_by_kind_keeps_its_answer_and_hands_out_copies(tmp_path: Path) -> None:
    write(tmp_path, "b/app.py", "x = 1\n")
    write(tmp_path, "a/web.ts", "export const x = 1;\n")
    write(tmp_path, "c.tf", 'resource "a" "b" {}\n')
    write(tmp_path, "README.md", "# Read me\n")
    index = build_index(tmp_path, use_git=False)
    code = index.by_kind("python", "typescript")
    assert [f.path for f in code] == ["a/web.ts", "b/app.py"]  # in path order
    code.clear()  # a caller's list is its own
    assert [f.path for f in index.by_kind("python", "typescript")] == ["a/web.ts", "b/app.py"]
    assert index.by_kind("python", "typescript")[0] is index.get("a/web.ts")
    assert [f.path for f in index.by_kind("terraform")] == ["c.tf"]
    assert index.by_kind("notebook") == [] and index.by_kind() == []


def test_glob_keeps_its_answer_and_hands_out_copies(tmp_path: Path) -> None:
    write(tmp_path, "docs/runbooks/db.md", "# DB\n")
    write(tmp_path, "RUNBOOK.md", "# Runbook\n")
    write(tmp_path, "app.py", "x = 1\n")
    index = build_index(tmp_path, use_git=False)
    first = index.glob(["**/RUNBOOK*", "docs/runbooks/"])
    assert [f.path for f in first] == ["RUNBOOK.md", "docs/runbooks/db.md"]
    first.clear()  # a caller's list is its own
    assert [f.path for f in index.glob(iter(["**/RUNBOOK*", "docs/runbooks/"]))] == ["RUNBOOK.md", "docs/runbooks/db.md"]
    assert index.glob([]) == []
