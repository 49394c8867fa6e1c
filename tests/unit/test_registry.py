"""The registry: built-in pack, third-party packs through entry points, local folders, selection."""

from __future__ import annotations

import sys
import textwrap
from pathlib import Path

import pytest

from readycheck.config import Policy
from readycheck.engine import run_audit
from readycheck.errors import CheckSpecError, PluginError, UsageError
from readycheck.model import ITEMS, Status
from readycheck.registry import load_registry

SPEC = """\
id: {id}
slug: {slug}
title: {title}
item: {item}
questions: [{questions}]
severity: medium
blocking: {blocking}
tags: [custom]
detector: {detector}
params: {params}
docs: |
  ## What it checks
  Something.
  ## Why it matters
  Because.
  ## How to fix
  Do it.
  ## Example
  Like this.
"""


def spec(**kw: object) -> str:
    base = {"id": "ACME0101", "slug": "acme-thing", "title": "An acme check", "item": 1, "questions": "", "blocking": "false", "detector": "acme-ok", "params": "{}"}
    base.update(kw)
    return SPEC.format(**base)


def make_pack(site: Path, name: str = "acme_pack", prefix: str = "ACME", specs: dict[str, str] | None = None, body: str | None = None) -> None:
    """A third-party check pack installed the way pip installs one: a module plus a dist-info
    folder whose entry_points.txt registers it in the readycheck.checks group."""
    pkg = site / name
    (pkg / "checks").mkdir(parents=True)
    (pkg / "__init__.py").write_text(body or textwrap.dedent(
        """
        from pathlib import Path
        from readycheck.model import Outcome, Status, Evidence

        def ok(ctx):
            files = ctx.index.by_kind("python")
            return Outcome(Status.PASS, "acme is happy", tuple(Evidence(f.path, 1) for f in files[:1]))

        def boom(ctx):
            raise ZeroDivisionError("acme detector bug")

        def pack():
            return {"checks_dir": Path(__file__).parent / "checks", "detectors": {"acme-ok": ok, "acme-boom": boom}}
        """
    ))
    for fname, text in (specs or {}).items():
        (pkg / "checks" / fname).write_text(text)
    dist = site / f"{name}-1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: 1.0\n")
    (dist / "entry_points.txt").write_text(f"[readycheck.checks]\n{prefix} = {name}:pack\n")


def test_builtin_pack_covers_every_item_and_question() -> None:
    reg = load_registry(plugins=False)
    specs = reg.active()
    assert {s.item for s in specs} >= {i.number for i in ITEMS}
    questions = {q for s in specs for q in s.questions}
    assert questions == {"see-now", "provider-outage", "spend-limit", "rollback-5min", "deploy-awareness"}
    card = {s.slug for s in specs if "card" in s.tags}
    assert {"hardcoded-secret", "retry-policy", "rollback-readiness", "runbook", "spend-ceiling"} <= card


def test_builtin_specs_validate_against_the_schema() -> None:
    import json

    import jsonschema
    import yaml

    from readycheck.config import schema_path
    from readycheck.registry import builtin_pack_dir

    validator = jsonschema.Draft202012Validator(json.loads(schema_path("check").read_text()))
    paths = sorted(builtin_pack_dir().rglob("*.yaml"))
    assert len(paths) >= 13
    for path in paths:
        validator.validate(yaml.safe_load(path.read_text()))


def test_pack_meta_ids_slugs_docs_and_detectors() -> None:
    reg = load_registry(plugins=False)
    specs = list(reg.specs.values())
    assert len({s.id for s in specs}) == len(specs)
    assert len({s.slug for s in specs}) == len(specs)
    for s in specs:
        assert s.id.startswith(f"RC{s.item:02d}"), s.id
        assert s.docs.what and s.docs.why and s.docs.fix and s.docs.example, s.id
        assert s.remediation, s.id
        reg.detector(s.detector)  # imports
    used = {s.detector for s in specs}
    generic = {"file-exists", "pattern", "config-key"}  # for users' YAML checks; tested in test_declarative_*
    assert set(reg.detectors) == used | generic, f"unused detectors: {set(reg.detectors) - used - generic}"


def test_third_party_pack_through_entry_point(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    site = tmp_path / "site"
    site.mkdir()
    make_pack(site, specs={
        "ok.yaml": spec(),
        "boom.yaml": spec(id="ACME0102", slug="acme-boom", detector="acme-boom", blocking="true"),
    })
    monkeypatch.syspath_prepend(str(site))
    reg = load_registry()
    assert reg.get("ACME0101") is not None and reg.get("ACME0101").source == "acme_pack"
    target = tmp_path / "proj"
    target.mkdir()
    (target / "a.py").write_text("x = 1\n")
    specs = reg.select(["ACME", "RC1001"])
    report = run_audit(target, Policy(root=target), reg, specs)
    by_id = {r.spec.id: r for r in report.results}
    assert by_id["ACME0101"].status is Status.PASS and by_id["ACME0101"].evidence[0].path == "a.py"
    assert by_id["ACME0102"].status is Status.ERROR and "ZeroDivisionError: acme detector bug" in by_id["ACME0102"].message
    assert by_id["RC1001"].status is Status.FAIL  # the audit went on
    assert report.verdict.value == "NO-GO" and "ACME0102" in report.verdict_reason


def test_pack_prefix_rules(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    site = tmp_path / "site"
    site.mkdir()
    make_pack(site, name="prefix_pack", specs={"x.yaml": spec(id="OTHR0101")})
    monkeypatch.syspath_prepend(str(site))
    reg = load_registry()  # the pack is left out whole, and says why; the built-in checks stay
    assert reg.get("OTHR0101") is None
    assert "does not start with its prefix 'ACME'" in reg.broken_packs[0][1]
    assert reg.get("RC0201") is not None


def test_plugin_that_fails_to_import(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    site = tmp_path / "site"
    site.mkdir()
    make_pack(site, name="broken_pack", body="raise ImportError('missing dependency acme-sdk')\n")
    monkeypatch.syspath_prepend(str(site))
    reg = load_registry()
    assert reg.broken_packs and reg.broken_packs[0][0] == "ACME"
    assert "broken_pack failed to load: ImportError: missing dependency acme-sdk" in reg.broken_packs[0][1]
    assert reg.get("RC0201") is not None


def test_declarative_check_from_checks_dirs(tmp_path: Path) -> None:
    local = tmp_path / "checks"
    local.mkdir()
    (local / "sla.yaml").write_text(spec(
        id="TEAM1001", slug="sla-doc", title="An SLA document exists", item=10, detector="file-exists",
        params='{globs: ["**/SLA.md"], what: "SLA document", headings: {"response times": ["latency", "response time"]}}',
    ))
    (local / "limits.yaml").write_text(spec(
        id="TEAM0101", slug="rate-limit-config", title="Rate limit configured", item=1, detector="config-key",
        params='{globs: ["**/*.yaml"], key: "rate_limit.per_minute", min: 1, max: 600, what: "rate limit"}',
    ))
    (local / "no-print.yaml").write_text(spec(
        id="TEAM0301", slug="no-print-debugging", title="No print debugging", item=3, detector="pattern",
        params='{globs: ["**/*.py"], must_not: "^\\\\s*print\\\\(", what: "print() call"}',
    ))
    reg = load_registry([local], plugins=False)
    proj = tmp_path / "proj"
    (proj / "docs").mkdir(parents=True)
    (proj / "docs" / "SLA.md").write_text("# SLA\n\n## Response time targets\n")
    (proj / "settings.yaml").write_text("rate_limit:\n  per_minute: 1000\n")
    (proj / "app.py").write_text("def f():\n    print('debug')\n    return 1\n")
    report = run_audit(proj, Policy(root=proj), reg, reg.select(["TEAM"]))
    by_id = {r.spec.id: r for r in report.results}
    assert by_id["TEAM1001"].status is Status.PASS and by_id["TEAM1001"].evidence[0].line == 3
    assert by_id["TEAM0101"].status is Status.WARN and by_id["TEAM0101"].evidence[0].line == 2
    assert by_id["TEAM0301"].status is Status.FAIL and (by_id["TEAM0301"].evidence[0].path, by_id["TEAM0301"].evidence[0].line) == ("app.py", 2)


def test_duplicate_ids_name_both_sources(tmp_path: Path) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir()
    b.mkdir()
    (a / "one.yaml").write_text(spec(id="TEAM0101", slug="one", detector="file-exists", params="{globs: [x]}"))
    (b / "two.yaml").write_text(spec(id="TEAM0101", slug="two", detector="file-exists", params="{globs: [x]}"))
    with pytest.raises(CheckSpecError) as err:
        load_registry([a, b], plugins=False)
    assert "duplicate check id TEAM0101" in str(err.value) and "one.yaml" in str(err.value) and "two.yaml" in str(err.value)


def test_invalid_spec_names_the_key(tmp_path: Path) -> None:
    (tmp_path / "bad.yaml").write_text(spec(id="TEAM0101", slug="Bad Slug", detector="file-exists"))
    with pytest.raises(CheckSpecError, match="'slug'"):
        load_registry([tmp_path], plugins=False)
    (tmp_path / "bad.yaml").write_text(spec(id="TEAM0101", slug="ok-slug", detector="no-such-detector"))
    with pytest.raises(CheckSpecError, match="unknown detector 'no-such-detector'"):
        load_registry([tmp_path], plugins=False)


def test_selection_is_ruff_like() -> None:
    reg = load_registry(plugins=False)
    ids = lambda specs: {s.id for s in specs}  # noqa: E731
    assert ids(reg.select(["RC06"])) == {"RC0601"}
    assert ids(reg.select(["retries"])) == {"RC0601"}
    assert ids(reg.select(["retry-policy"])) == {"RC0601"}
    everything = ids(reg.select(None))
    credentials = {s.id for s in reg.active() if s.item == 2}
    assert {"RC0201", "RC0202", "RC0203"} <= credentials
    assert ids(reg.select(None, ignore=["credentials"])) == everything - credentials
    # the more specific selector wins: ignore the item, but select one of its checks by id
    assert ids(reg.select(["RC0201"], ignore=["credentials"])) == {"RC0201"}
    assert ids(reg.select(["credentials"], ignore=["RC0202"])) == credentials - {"RC0202"}
    with pytest.raises(UsageError, match="did you mean 'retry-policy'"):
        reg.select(["retry-polcy"])


def test_plugin_lookup_is_skipped_only_when_no_distribution_declares_the_group(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from readycheck.registry import _may_declare_plugins

    empty = tmp_path / "empty"
    (empty / "other-1.0.dist-info").mkdir(parents=True)
    (empty / "other-1.0.dist-info" / "entry_points.txt").write_text("[console_scripts]\nother = other:main\n")
    monkeypatch.setattr(sys, "path", [str(empty), str(tmp_path / "missing")])
    assert _may_declare_plugins() is False
    site = tmp_path / "site"
    make_pack(site)
    monkeypatch.setattr(sys, "path", [str(empty), str(site)])
    assert _may_declare_plugins() is True
    archive = tmp_path / "bundle.zip"
    archive.write_bytes(b"PK\x05\x06" + b"\0" * 18)
    monkeypatch.setattr(sys, "path", [str(empty), str(archive)])
    assert _may_declare_plugins() is True  # cannot be judged cheaply: importlib.metadata decides
