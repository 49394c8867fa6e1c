"""Every built-in check over its fixtures: each case folder under tests/checks/fixtures/<ID>/ is a
small project, and expected.yaml says the status it must get and the evidence (path, line) it must
point at. A case with a ``commits/`` folder is replayed as a git history, one snapshot per commit;
``policy:`` in expected.yaml sets audit options (``history: true``, ``cloud: {...}``). A case with
``cloud:`` audits against that cloud snapshot (its ``resources`` and ``services``, filled into a
valid skeleton by tests/cloud/factory.py; ``scope`` sets the cloud scope); a cloud-only case needs
no folder."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from readycheck.config import CloudSettings, Policy
from readycheck.engine import run_check
from readycheck.index import build_index
from readycheck.registry import load_registry
from tests.conftest import git

FIXTURES = Path(__file__).parent / "fixtures"
REGISTRY = load_registry(plugins=False)


def _cases() -> list[tuple[str, str, dict]]:
    out = []
    for folder in sorted(p for p in FIXTURES.iterdir() if p.is_dir()):
        expected = yaml.safe_load((folder / "expected.yaml").read_text())
        for case, want in expected.items():
            out.append((folder.name, case, want))
    return out


def _replay_commits(snapshots: Path, work: Path) -> Path:
    """A git repository whose commits are the case's ``commits/<n>-<message>/`` snapshots, in order:
    each folder is the whole tree at that commit."""
    work.mkdir()
    git(work, "init", "-q", "-b", "main")
    for snapshot in sorted(p for p in snapshots.iterdir() if p.is_dir()):
        for child in work.iterdir():
            if child.name != ".git":
                shutil.rmtree(child) if child.is_dir() else child.unlink()
        shutil.copytree(snapshot, work, dirs_exist_ok=True)
        git(work, "add", "-A")
        git(work, "commit", "-q", "--allow-empty", "-m", snapshot.name.split("-", 1)[-1])
    return work


def run_case(
    check_id: str,
    case: str,
    policy: Policy | None = None,
    work: Path | None = None,
    options: dict | None = None,
    cloud: dict | None = None,
):
    root = FIXTURES / check_id / case
    spec = REGISTRY.get(check_id)
    assert spec is not None, f"no check {check_id}"
    snap = None
    if cloud is not None:
        from tests.cloud.factory import snapshot

        snap = snapshot(cloud.get("resources"), cloud.get("services"), cloud.get("scope"), **cloud.get("top", {}))
    options = dict(options or {})
    if "cloud" in options:
        options["cloud"] = CloudSettings(**options["cloud"])
    if not root.is_dir():
        assert cloud is not None and work is not None, f"{check_id}/{case}: no fixture folder"
        root = work
        root.mkdir(parents=True, exist_ok=True)
    if (root / "commits").is_dir():
        assert work is not None, f"{check_id}/{case} replays commits: pass a work folder"
        root = _replay_commits(root / "commits", work)
        index = build_index(root)
    else:
        index = build_index(root, use_git=False)
    policy = policy or Policy(root=root, **options)
    return run_check(spec, REGISTRY.detector(spec.detector), index, policy, cloud=snap)


@pytest.mark.parametrize(("check_id", "case", "want"), _cases(), ids=[f"{c}-{k}" for c, k, _ in _cases()])
def test_check_on_fixture(check_id: str, case: str, want: dict, tmp_path: Path) -> None:
    result = run_case(check_id, case, work=tmp_path / "repo", options=want.get("policy"), cloud=want.get("cloud"))
    got = [(e.path, e.line) for e in result.evidence]
    assert result.status.value == want["status"], f"{check_id}/{case}: {result.status.value}: {result.message}\n{got}"
    for ev in want.get("evidence", []):
        assert (ev["path"], ev.get("line")) in got, f"{check_id}/{case}: missing evidence {ev} in {got}"
    for ev in want.get("not_evidence", []):
        assert (ev["path"], ev.get("line")) not in got, f"{check_id}/{case}: unexpected evidence {ev}"
    if "evidence_count" in want:
        assert len(result.evidence) == want["evidence_count"], got
    if "message_contains" in want:
        for part in [want["message_contains"]] if isinstance(want["message_contains"], str) else want["message_contains"]:
            assert part in result.message, result.message
    if "notes_contain" in want:
        notes = " | ".join(e.note or "" for e in result.evidence)
        for part in want["notes_contain"]:
            assert part in notes, notes
    if result.status.value in ("pass", "warn", "fail") and want["status"] == "pass":
        assert result.evidence, "a PASS must point at evidence"


def test_every_builtin_check_has_flagged_and_clean_fixtures() -> None:
    by_check: dict[str, set[str]] = {}
    for check_id, _case, want in _cases():
        by_check.setdefault(check_id, set()).add(want["status"])
    for spec in REGISTRY.active():
        statuses = by_check.get(spec.id, set())
        assert statuses & {"fail", "warn"}, f"{spec.id} has no flagged fixture"
        assert statuses & {"pass", "skip"}, f"{spec.id} has no clean fixture"
