"""Secrets where they hide in git: the staged index (--staged) and every commit (--history).

Each test builds a real repository with git in a temp dir; no fixture repository is committed.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from typer.testing import CliRunner

from readycheck.cli import app
from readycheck.index import build_staged_index
from readycheck.index.history import added_lines
from tests.conftest import cli, git
from tests.fakes import aws_key_id, github_token, openai_project_key

runner = CliRunner()


def _repo(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    git(path, "init", "-q", "-b", "main")
    return path


def _commit(repo: Path, files: dict[str, str], message: str) -> str:
    for name, text in files.items():
        (repo / name).parent.mkdir(parents=True, exist_ok=True)
        (repo / name).write_text(text, encoding="utf-8")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", message)
    return git(repo, "rev-parse", "HEAD").strip()


def _audit(path: Path, *args: str) -> tuple[int, dict]:
    result = runner.invoke(app, ["audit", str(path), "--format", "json", *args])
    assert result.exit_code in (0, 1), result.output
    return result.exit_code, json.loads(result.stdout)


def _result(report: dict, check: str) -> dict:
    return next(r for r in report["results"] if r["id"] == check)


# --- --staged ---------------------------------------------------------------------------------


def test_staged_reads_the_index_not_the_work_tree(tmp_path: Path) -> None:
    repo = _repo(tmp_path / "r")
    _commit(repo, {"app.py": "import os\nKEY = os.environ['OPENAI_API_KEY']\n"}, "start")
    token = github_token("staged")
    # Staged with a token, then the work tree is cleaned without staging: the commit would leak it.
    (repo / "deploy.py").write_text(f'TOKEN = "{token}"\n', encoding="utf-8")
    git(repo, "add", "deploy.py")
    (repo / "deploy.py").write_text("TOKEN = None\n", encoding="utf-8")
    # Unstaged work-tree change with a secret: not part of the commit, not reported.
    (repo / "app.py").write_text(f'KEY = "{openai_project_key("unstaged")}"\n', encoding="utf-8")

    index = build_staged_index(repo)
    assert [f.path for f in index.files] == ["deploy.py"]
    assert token in index.files[0].text

    code, report = _audit(repo, "--staged")
    assert code == 1 and report["mode"] == "staged" and report["verdict"] == "NO-GO"
    rc0201 = _result(report, "RC0201")
    assert rc0201["status"] == "fail"
    assert [(e["path"], e["line"]) for e in rc0201["evidence"]] == [("deploy.py", 1)]
    assert {r["id"] for r in report["results"]} <= {"RC0201", "RC0202"}  # file-level checks only
    assert all(q["answer"] == "unknown" for q in report["questions"])
    assert token not in json.dumps(report)


def test_staged_with_nothing_secret_staged_exits_0(tmp_path: Path) -> None:
    repo = _repo(tmp_path / "r")
    _commit(repo, {"app.py": f'KEY = "{openai_project_key("old")}"\n'}, "an old leak, not in this commit")
    (repo / "notes.md").write_text("# Notes\n", encoding="utf-8")
    git(repo, "add", "notes.md")
    code, report = _audit(repo, "--staged")
    assert code == 0 and report["verdict"] == "GO"
    assert _result(report, "RC0201")["status"] == "pass"


def test_staged_before_the_first_commit_and_in_a_subfolder(tmp_path: Path) -> None:
    repo = _repo(tmp_path / "r")
    (repo / "svc").mkdir()
    (repo / "svc" / "settings.py").write_text(f'AWS_ACCESS_KEY_ID = "{aws_key_id("sub")}"\n', encoding="utf-8")
    (repo / "other.py").write_text(f'AWS_ACCESS_KEY_ID = "{aws_key_id("other")}"\n', encoding="utf-8")
    git(repo, "add", "-A")
    index = build_staged_index(repo / "svc")
    assert [f.path for f in index.files] == ["settings.py"]  # relative to the audited folder
    code, report = _audit(repo / "svc", "--staged")
    assert code == 1
    assert [e["path"] for e in _result(report, "RC0201")["evidence"]] == ["settings.py"]


def test_staged_outside_git_is_a_clear_usage_error(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text("x = 1\n", encoding="utf-8")
    code, _, err = cli("audit", str(tmp_path), "--staged")
    assert code == 2 and "--staged needs a git repository" in err


def test_staged_and_history_together_are_refused(tmp_path: Path) -> None:
    code, _, err = cli("audit", str(tmp_path), "--staged", "--history")
    assert code == 2 and "do not go together" in err


# --- --history --------------------------------------------------------------------------------


def test_history_finds_a_secret_added_then_deleted_and_names_the_commit(tmp_path: Path) -> None:
    repo = _repo(tmp_path / "r")
    _commit(repo, {"README.md": "# Agent\n"}, "start")
    key = aws_key_id("history")
    added = _commit(repo, {"config.py": f'import os\nREGION = "eu-west-1"\nAWS_ACCESS_KEY_ID = "{key}"\n'}, "add config")
    _commit(repo, {"config.py": 'import os\nREGION = "eu-west-1"\nAWS_ACCESS_KEY_ID = os.environ["AWS_ACCESS_KEY_ID"]\n'}, "use env")
    token = github_token("kept")
    kept = _commit(repo, {"ci.py": f'GITHUB_TOKEN = "{token}"\n'}, "add ci")

    # The working tree is clean of the AWS key, so RC0201 sees only the token.
    code, report = _audit(repo, "--select", "RC0201,RC0203")
    assert [e["path"] for e in _result(report, "RC0201")["evidence"]] == ["ci.py"]
    assert _result(report, "RC0203")["status"] == "skip"  # history is opt-in

    code, report = _audit(repo, "--history", "--select", "RC0203")
    history = _result(report, "RC0203")
    assert code == 1 and history["status"] == "fail"
    by_path = {e["path"]: e for e in history["evidence"]}
    assert set(by_path) == {"config.py", "ci.py"}
    aws = by_path["config.py"]
    assert aws["line"] == 3 and aws["rule"] == "aws-access-key-id"
    assert added[:12] in aws["note"] and "deleted since" in aws["note"]
    assert kept[:12] in by_path["ci.py"]["note"] and "still in HEAD" in by_path["ci.py"]["note"]
    text = json.dumps(report)
    assert key not in text and token not in text


def test_history_reports_the_first_commit_only_once(tmp_path: Path) -> None:
    repo = _repo(tmp_path / "r")
    key = aws_key_id("once")
    first = _commit(repo, {"a.py": f'AWS_ACCESS_KEY_ID = "{key}"\n'}, "first")
    _commit(repo, {"b.py": f'AWS_ACCESS_KEY_ID = "{key}"\n'}, "copied")
    _, report = _audit(repo, "--history", "--select", "RC0203")
    evidence = _result(report, "RC0203")["evidence"]
    assert len(evidence) == 1 and evidence[0]["path"] == "a.py" and first[:12] in evidence[0]["note"]


def test_history_of_a_clean_repository_passes_with_what_it_scanned(tmp_path: Path) -> None:
    repo = _repo(tmp_path / "r")
    _commit(repo, {"app.py": "import os\nKEY = os.environ['OPENAI_API_KEY']\n"}, "one")
    _commit(repo, {"app.py": "import os\nKEY = os.getenv('OPENAI_API_KEY')\n"}, "two")
    code, report = _audit(repo, "--history", "--select", "RC0203")
    history = _result(report, "RC0203")
    assert history["status"] == "pass" and "2 commits" in history["evidence"][0]["note"]


def test_a_second_history_run_scans_only_new_commits(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import readycheck.secrets as secrets

    monkeypatch.setenv("READYCHECK_CACHE_DIR", str(tmp_path / "cache-home"))
    repo = _repo(tmp_path / "r")
    key = aws_key_id("cached")
    _commit(repo, {"config.py": f'AWS_ACCESS_KEY_ID = "{key}"\n'}, "add config")
    _commit(repo, {"config.py": 'import os\nAWS_ACCESS_KEY_ID = os.environ["AWS_ACCESS_KEY_ID"]\n'}, "use env")
    scanned: list[str] = []
    real = secrets.scan_text

    def scan_text(text: str, **kwargs: Any) -> Any:
        scanned.append(text)
        return real(text, **kwargs)

    monkeypatch.setattr(secrets, "scan_text", scan_text)
    _, cold = _audit(repo, "--history", "--select", "RC0203")
    assert len(scanned) >= 2
    scanned.clear()
    _, warm = _audit(repo, "--history", "--select", "RC0203")
    assert [t for t in scanned if key in t] == []  # the commits' lines came from the cache
    assert _result(warm, "RC0203") == _result(cold, "RC0203")
    assert _result(warm, "RC0203")["status"] == "fail"
    token = github_token("later")
    _commit(repo, {"ci.py": f'GITHUB_TOKEN = "{token}"\n'}, "add ci")
    scanned.clear()
    _, later = _audit(repo, "--history", "--select", "RC0203")
    assert [t for t in scanned if key in t] == []  # (HEAD's own text of a flagged file is read afresh)
    assert any(token in t for t in scanned)  # the new commit's lines were scanned
    assert {e["path"] for e in _result(later, "RC0203")["evidence"]} == {"config.py", "ci.py"}
    _, plain = _audit(repo, "--history", "--select", "RC0203", "--no-cache")
    assert _result(plain, "RC0203") == _result(later, "RC0203")


def test_history_outside_git_or_before_a_commit_skips_with_the_reason(tmp_path: Path) -> None:
    (tmp_path / "plain").mkdir()
    _, report = _audit(tmp_path / "plain", "--history", "--select", "RC0203")
    assert _result(report, "RC0203")["status"] == "skip"
    assert "not inside a git work tree" in _result(report, "RC0203")["message"]
    repo = _repo(tmp_path / "fresh")
    _, report = _audit(repo, "--history", "--select", "RC0203")
    assert "no commits yet" in _result(report, "RC0203")["message"]


def test_added_lines_keeps_line_numbers_and_odd_paths(tmp_path: Path) -> None:
    repo = _repo(tmp_path / "r")
    _commit(repo, {"a b/ü.py": "one\ntwo\n"}, "first")
    _commit(repo, {"a b/ü.py": "one\ninserted\ntwo\nlast\n"}, "second")
    chunks = list(added_lines(repo))
    assert [(c.path, c.lines) for c in chunks] == [
        ("a b/ü.py", ((1, "one"), (2, "two"))),
        ("a b/ü.py", ((2, "inserted"), (4, "last"))),
    ]
    assert chunks[0].commit != chunks[1].commit


def test_history_inline_comment_on_the_committed_line_suppresses(tmp_path: Path) -> None:
    repo = _repo(tmp_path / "r")
    key = aws_key_id("inline")
    _commit(repo, {"docs.py": f'SAMPLE = "{key}"  # readycheck: ignore[aws-access-key-id]\n'}, "doc sample")
    _, report = _audit(repo, "--history", "--select", "RC0203")
    history = _result(report, "RC0203")
    assert history["status"] == "pass"
    assert history["evidence"][0]["suppressed"].startswith("inline")


def test_inline_suppressions_can_be_refused(tmp_path: Path) -> None:
    repo = _repo(tmp_path / "r")
    key = aws_key_id("refused")
    _commit(repo, {"docs.py": f'SAMPLE = "{key}"  # readycheck: ignore\n'}, "doc sample")
    _, report = _audit(repo, "--select", "RC0201")
    assert _result(report, "RC0201")["status"] == "pass"
    _, report = _audit(repo, "--select", "RC0201", "--no-inline-suppressions")
    assert _result(report, "RC0201")["status"] == "fail"


# --- the report's git facts -------------------------------------------------------------------


def test_git_facts_follow_head_the_work_tree_and_the_tags(tmp_path: Path) -> None:
    from readycheck.index import build_index

    repo = _repo(tmp_path / "r")
    (repo / "a.py").write_text("x = 1\n", encoding="utf-8")
    facts = build_index(repo).git  # no commits yet
    assert facts is not None and facts.commit is None and facts.branch == "main" and facts.dirty
    first = _commit(repo, {"a.py": "x = 1\n"}, "one")
    git(repo, "tag", "v1.0.0")
    git(repo, "tag", "-a", "release/v1.1.0", "-m", "annotated")
    facts = build_index(repo).git
    assert facts is not None
    assert (facts.commit, facts.branch, facts.dirty) == (first, "main", False)
    assert facts.tags == ("release/v1.1.0", "v1.0.0") and facts.root == str(repo.resolve())
    (repo / "new.txt").write_text("untracked\n", encoding="utf-8")
    assert build_index(repo).git.dirty  # type: ignore[union-attr]
    (repo / "new.txt").unlink()
    git(repo, "checkout", "-q", "--detach")
    facts = build_index(repo).git
    assert facts is not None and facts.branch is None and facts.commit == first
    assert build_index(tmp_path / "r", use_git=False).git is None


def test_staged_oversize_blob_is_listed_unread_and_a_missing_blob_is_unreadable(tmp_path: Path) -> None:
    repo = _repo(tmp_path / "r")
    (repo / "big.py").write_text("x = 1\n" * 100, encoding="utf-8")
    (repo / "ok.py").write_text(f'KEY = "{github_token("ok")}"\n', encoding="utf-8")
    git(repo, "add", "-A")
    index = build_staged_index(repo, max_file_size=100)
    assert [f.path for f in index.files] == ["ok.py"]
    assert [(s.path, s.reason) for s in index.skipped] == [("big.py", "larger than 100 bytes")]
    # The index names a blob the object database lost: that file is unreadable, the rest is judged.
    sha = git(repo, "rev-parse", ":ok.py").strip()
    (repo / ".git" / "objects" / sha[:2] / sha[2:]).unlink()
    index = build_staged_index(repo)
    assert [(s.path, s.reason) for s in index.skipped] == [("ok.py", "unreadable in the git index")]
    assert [f.path for f in index.files] == ["big.py"]


def test_a_staged_run_imports_no_heavy_library(tmp_path: Path) -> None:
    """The pre-commit path (no exclude patterns): no gitpython, boto3, process pool, pattern
    matcher, code parser or parse cache is imported."""
    import subprocess
    import sys

    repo = _repo(tmp_path / "r")
    (repo / "app.py").write_text("import openai\nclient = openai.OpenAI()\n", encoding="utf-8")
    (repo / "web.ts").write_text("export const x = 1;\n", encoding="utf-8")
    git(repo, "add", "-A")
    heavy = ["git", "boto3", "multiprocessing", "ctypes", "pathspec", "pydantic", "rich.table", "tree_sitter",
             "readycheck.parsers.python_facts", "readycheck.cache", "sqlite3"]
    probe = (
        "import sys\nfrom readycheck.cli import main\n"
        "try:\n    main(['audit', '--staged', '--quiet', sys.argv[1]])\nexcept SystemExit as e:\n    code = e.code\n"
        f"print(code, sorted(m for m in {heavy!r} if m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", probe, str(repo)], capture_output=True, text=True, check=True)
    assert out.stdout.strip().splitlines()[-1] == "0 []", out.stdout + out.stderr
