"""`audit --diff REF`: a pull-request gate judges the changes since the merge base of REF and HEAD."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from readycheck.index.diff import changed_lines
from tests.conftest import SAMPLES, cli, git, init_repo
from tests.fakes import aws_key_id, github_token

OLD_KEY = aws_key_id("diff-old")
NEW_KEY = github_token("diff-new")
EDIT_KEY = aws_key_id("diff-edit")
LEGACY = "src/support_agent/legacy_keys.py"
WILDCARD_TF = """resource "aws_iam_policy" "legacy" {
  name   = "legacy"
  policy = jsonencode({Version = "2012-10-17", Statement = [{Effect = "Allow", Action = "*", Resource = "*"}]})
}
"""


def _schema() -> dict[str, Any]:
    schema: dict[str, Any] = json.loads(cli("schema", "report")[1])
    return schema


def audit(repo: Path, *args: str) -> tuple[int, dict[str, Any]]:
    code, out, err = cli("audit", str(repo), "--format", "json", *args)
    assert code in (0, 1), err
    report: dict[str, Any] = json.loads(out)
    jsonschema.validate(report, _schema())
    return code, report


def result_of(report: dict[str, Any], check: str) -> dict[str, Any]:
    found: dict[str, Any] = next(r for r in report["results"] if r["id"] == check)
    return found


@pytest.fixture
def pr_repo(tmp_path: Path) -> Path:
    """The GO sample with a key planted in an old commit on main, and a branch `feature` checked out."""
    repo = tmp_path / "agent"
    shutil.copytree(SAMPLES / "support-agent-go", repo)
    (repo / LEGACY).write_text(f'import os\n\nLEGACY_KEY = "{OLD_KEY}"\n', encoding="utf-8")
    init_repo(repo)
    git(repo, "checkout", "-q", "-b", "feature")
    return repo


def test_only_the_keys_of_the_change_count(pr_repo: Path) -> None:
    code, report = audit(pr_repo, "--diff", "main")  # nothing changed yet: the old key is not the PR's
    rc0201 = result_of(report, "RC0201")
    assert rc0201["status"] == "fail" and rc0201["suppressed"] == "unchanged since main"
    assert code == 0 and report["verdict_reason"].startswith("GO thanks to 1 suppressed finding(s): RC0201 (unchanged since main)")
    assert report["diff"]["ref"] == "main" and report["diff"]["files"] == 0
    assert audit(pr_repo)[0] == 1  # a whole audit counts it

    # A new key in a commit of the branch counts; the old one is still suppressed.
    (pr_repo / "src/support_agent/ci.py").write_text(f'TOKEN = "{NEW_KEY}"\n', encoding="utf-8")
    git(pr_repo, "add", "-A")
    git(pr_repo, "commit", "-q", "-m", "ci token")
    code, report = audit(pr_repo, "--diff", "main")
    rc0201 = result_of(report, "RC0201")
    assert code == 1 and rc0201["status"] == "fail" and "suppressed" not in rc0201
    by_path = {e["path"]: e.get("suppressed") for e in rc0201["evidence"]}
    assert by_path == {"src/support_agent/ci.py": None, LEGACY: "unchanged since main"}
    assert report["diff"]["files"] == 1 and report["suppressed"] == {"findings": 1, "results": 1}


def test_unstaged_edits_and_untracked_files_count_by_line(pr_repo: Path) -> None:
    (pr_repo / LEGACY).write_text(f'import os\n\nLEGACY_KEY = "{OLD_KEY}"\nEDITED = "{EDIT_KEY}"\n', encoding="utf-8")
    code, report = audit(pr_repo, "--diff", "main")
    rc0201 = result_of(report, "RC0201")
    assert code == 1 and "suppressed" not in rc0201
    assert {e["line"]: e.get("suppressed") for e in rc0201["evidence"]} == {3: "unchanged since main", 4: None}

    git(pr_repo, "checkout", "-q", "--", LEGACY)
    (pr_repo / "scratch.py").write_text(f'KEY = "{EDIT_KEY}"\n', encoding="utf-8")  # untracked: wholly new
    code, report = audit(pr_repo, "--diff", "main")
    assert code == 1 and {e["path"]: e.get("suppressed") for e in result_of(report, "RC0201")["evidence"]} == {
        "scratch.py": None,
        LEGACY: "unchanged since main",
    }


def test_line_findings_of_every_check_count_only_where_changed(pr_repo: Path) -> None:
    git(pr_repo, "checkout", "-q", "main")
    (pr_repo / "infra/terraform/legacy.tf").write_text(WILDCARD_TF, encoding="utf-8")
    git(pr_repo, "add", "-A")
    git(pr_repo, "commit", "-q", "-m", "legacy role")
    git(pr_repo, "checkout", "-q", "-b", "feature-2")
    code, report = audit(pr_repo, "--diff", "main")
    rc0901 = result_of(report, "RC0901")  # a repository-level check, but its finding has a line
    assert rc0901["status"] == "fail" and rc0901["suppressed"] == "unchanged since main"
    assert any(n.startswith("diff: only findings on lines changed since main") for n in report["notes"])
    # the same wildcard written by the branch counts
    (pr_repo / "infra/terraform/new.tf").write_text(WILDCARD_TF.replace("legacy", "fresh"), encoding="utf-8")
    code, report = audit(pr_repo, "--diff", "main")
    rc0901 = result_of(report, "RC0901")
    assert code == 1 and "suppressed" not in rc0901
    assert {e["path"]: e.get("suppressed") for e in rc0901["evidence"]} == {
        "infra/terraform/new.tf": None,
        "infra/terraform/legacy.tf": "unchanged since main",
    }


def test_the_operations_items_are_judged_whole(pr_repo: Path) -> None:
    git(pr_repo, "checkout", "-q", "main")
    shutil.rmtree(pr_repo / "docs")  # no runbook, no rollback procedure: a fact about the repository
    git(pr_repo, "add", "-A")
    git(pr_repo, "commit", "-q", "-m", "drop the docs")
    git(pr_repo, "checkout", "-q", "-b", "feature-3")
    code, report = audit(pr_repo, "--diff", "main")
    runbook = result_of(report, "RC1001")
    assert runbook["status"] == "fail" and "suppressed" not in runbook
    assert code == 1


def test_diff_against_an_ancestor_measures_from_the_merge_base(pr_repo: Path) -> None:
    (pr_repo / "feature.py").write_text("x = 1\n", encoding="utf-8")
    git(pr_repo, "add", "-A")
    git(pr_repo, "commit", "-q", "-m", "feature")
    git(pr_repo, "checkout", "-q", "main")
    (pr_repo / "mainline.py").write_text(f'KEY = "{NEW_KEY}"\n', encoding="utf-8")  # main moves on
    git(pr_repo, "add", "-A")
    git(pr_repo, "commit", "-q", "-m", "main moves")
    git(pr_repo, "checkout", "-q", "feature")
    changed = changed_lines(pr_repo, "main")
    assert changed == {"feature.py": None}  # like `git diff main...`: main's own commits are not the branch's


def test_changed_lines_by_line_rename_binary_and_subfolder(tmp_path: Path) -> None:
    repo = tmp_path / "r"
    (repo / "sub").mkdir(parents=True)
    (repo / "f.txt").write_text("a\nb\nc\n", encoding="utf-8")
    (repo / "moved.txt").write_text("".join(f"line {i}\n" for i in range(20)), encoding="utf-8")
    (repo / "blob.bin").write_bytes(b"\0\1\2")
    (repo / "sub/s.txt").write_text("s\n", encoding="utf-8")
    (repo / "gone.txt").write_text("bye\n", encoding="utf-8")
    init_repo(repo)
    (repo / "f.txt").write_text("a\nB\nc\nd\n", encoding="utf-8")
    git(repo, "mv", "moved.txt", "renamed.txt")
    (repo / "blob.bin").write_bytes(b"\0\1\3")
    (repo / "gone.txt").unlink()
    (repo / "sub/s.txt").write_text("s\nt\n", encoding="utf-8")
    (repo / ".gitignore").write_text("*.log\n", encoding="utf-8")
    (repo / "debug.log").write_text("ignored\n", encoding="utf-8")
    changed = changed_lines(repo, "HEAD")
    assert changed == {"f.txt": {2, 4}, "renamed.txt": set(), "blob.bin": None, "sub/s.txt": {2}, ".gitignore": None}
    assert changed_lines(repo / "sub", "HEAD") == {"s.txt": {2}}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--diff", "nope"), "unknown git ref 'nope'"),
        (("--diff", "--help-me"), "unknown git ref '--help-me'"),
        (("--diff", "main", "--staged"), "--diff and --staged do not go together"),
    ],
)
def test_diff_usage_errors_are_exit_2(pr_repo: Path, args: tuple[str, ...], message: str) -> None:
    code, _, err = cli("audit", str(pr_repo), *args)
    assert code == 2 and message in err, err


def test_diff_outside_a_git_repository_is_exit_2(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text("x = 1\n", encoding="utf-8")
    code, _, err = cli("audit", str(tmp_path), "--diff", "main")
    assert code == 2 and "--diff needs a git repository" in err
