"""The parse cache: hits and misses, invalidation, tampering, unwritable folders, --no-cache."""

from __future__ import annotations

import json
import os
import pickle
import sqlite3
from pathlib import Path
from typing import Any

import pytest

import readycheck
import readycheck.parsers.js_facts as jf
import readycheck.parsers.python_facts as pf
import readycheck.parsers.terraform as tf
from readycheck import cache as rc_cache
from readycheck.config import Policy, load_policy
from readycheck.engine import run_audit
from readycheck.registry import load_registry
from readycheck.reporters import render

from tests.conftest import cli

REG = load_registry(plugins=False)

AGENT = '''import subprocess
from openai import OpenAI

client = OpenAI(max_retries=0, timeout=30)


def run(question: str) -> None:
    reply = client.chat.completions.create(model="gpt-4o-mini", messages=[{"role": "user", "content": question}])
    subprocess.run(reply.choices[0].message.content, shell=True)
'''
TS = '''import OpenAI from "openai";
const client = new OpenAI({ maxRetries: 0, timeout: 20_000 });
export async function answer(q: string) {
  return client.chat.completions.create({ model: "gpt-4o-mini", messages: [{ role: "user", content: q }] });
}
'''
TF = '''# infra/main.tf
resource "aws_budgets_budget" "llm" {
  name         = "llm-monthly"
  budget_type  = "COST"
  limit_amount = "500"
  limit_unit   = "USD"
  time_unit    = "MONTHLY"
}
'''


def make_repo(root: Path) -> Path:
    (root / "src").mkdir(parents=True)
    (root / "src" / "agent.py").write_text(AGENT)
    (root / "src" / "util.py").write_text("def add(a, b):\n    return a + b\n")
    (root / "src" / "broken.py").write_text("def oops(:\n")
    (root / "web").mkdir()
    (root / "web" / "answer.ts").write_text(TS)
    (root / "README.md").write_text("# Agent\n")
    (root / "infra").mkdir()
    (root / "infra" / "main.tf").write_text(TF)
    (root / "infra" / "prod.tfvars").write_text('region = "eu-west-1"\n')  # values: never parsed as blocks
    (root / "deploy").mkdir()
    (root / "deploy" / "app.yaml").write_text("service: agent\nreplicas: 2\nenv:\n  - {name: MODEL, value: gpt-4o-mini}\n")
    (root / "deploy" / "broken.yaml").write_text("service: [agent\n")
    return root


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "cache-home"
    monkeypatch.setenv("READYCHECK_CACHE_DIR", str(path))
    monkeypatch.setenv("READYCHECK_WORKERS", "1")
    return path


@pytest.fixture
def calls(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The paths the Python and JS parsers are called for, and "tf:<first line>" for Terraform."""
    seen: list[str] = []
    real_py, real_js, real_tf = pf.parse_python, jf.parse_js, tf.parse_terraform

    def py(text: str, filename: str = "<file>") -> Any:
        seen.append(filename)
        return real_py(text, filename)

    def js(text: str, filename: str = "<file>") -> Any:
        seen.append(filename)
        return real_js(text, filename)

    def terraform(text: str) -> Any:
        seen.append("tf:" + text.splitlines()[0])
        return real_tf(text)

    monkeypatch.setattr(pf, "parse_python", py)
    monkeypatch.setattr(jf, "parse_js", js)
    monkeypatch.setattr(tf, "parse_terraform", terraform)
    return seen


def audit_json(root: Path, policy: Policy | None = None) -> dict[str, Any]:
    policy = policy or Policy(root=root)
    report = run_audit(root, policy, REG, REG.select(None))
    return strip(json.loads(render(report, "json")))


def strip(obj: Any) -> Any:
    if isinstance(obj, dict):
        return {k: strip(v) for k, v in obj.items() if k not in ("started_at", "duration_ms")}
    if isinstance(obj, list):
        return [strip(v) for v in obj]
    return obj


CODE = ["src/agent.py", "src/broken.py", "src/util.py", "tf:# infra/main.tf", "web/answer.ts"]


def test_a_second_audit_does_not_parse_unchanged_files(tmp_path: Path, home: Path, calls: list[str]) -> None:
    root = make_repo(tmp_path / "repo")
    first = audit_json(root)
    assert sorted(calls) == CODE
    calls.clear()
    second = audit_json(root)
    assert calls == []
    assert first == second
    # Nothing is written into the audited repository; the cache folder is tagged like ruff's.
    assert not (root / ".readycheck-cache").exists()
    assert (home / "CACHEDIR.TAG").read_text().startswith("Signature: 8a477f597d28d172789f06886806bc55")
    assert (home / ".gitignore").read_text().strip().endswith("*")
    assert (home / "hmac.key").stat().st_mode & 0o777 == 0o600


def test_a_changed_file_is_parsed_again(tmp_path: Path, home: Path, calls: list[str]) -> None:
    root = make_repo(tmp_path / "repo")
    audit_json(root)
    calls.clear()
    (root / "src" / "util.py").write_text("def add(a, b):\n    return a - b\n")
    (root / "web" / "answer.ts").write_text(TS + "\nexport const x = 1;\n")
    audit_json(root)
    assert sorted(calls) == ["src/util.py", "web/answer.ts"]


def test_the_cached_report_equals_the_uncached_one(tmp_path: Path, home: Path) -> None:
    root = make_repo(tmp_path / "repo")
    plain = audit_json(root, Policy(root=root, cache=False))
    assert not home.exists()  # cache: false neither reads nor writes
    cold = audit_json(root)
    warm = audit_json(root)
    assert plain == cold == warm
    assert "syntax error" in json.dumps(warm)  # parse errors of cached facts are reported too



def test_yaml_documents_come_from_the_cache_errors_included(tmp_path: Path, home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import readycheck.parsers.structured as st
    from readycheck.index import build_index

    read: list[int] = []
    real = st.parse_yaml_file

    def parse(text: str) -> Any:
        read.append(len(text))
        return real(text)

    monkeypatch.setattr(st, "parse_yaml_file", parse)
    root = make_repo(tmp_path / "repo")
    views = []
    for _ in range(2):
        cache = rc_cache.open_cache(root)
        index = build_index(root, use_git=False)
        index.prepare(cache=cache)
        assert cache is not None
        cache.close()
        app, broken = index.get("deploy/app.yaml"), index.get("deploy/broken.yaml")
        assert app is not None and broken is not None
        views.append((app.documents[0].data, app.documents[0].line_of(("env", 0, "value")), broken.documents, broken.parse_errors))
    assert len(read) == 2  # both files read once, by the first audit
    assert views[0] == views[1]
    assert views[1][0]["replicas"] == 2 and views[1][1] == 4
    assert views[1][2] == [] and views[1][3] and "invalid YAML" in views[1][3][0]

@pytest.mark.parametrize("bump", ["version", "schema"])
def test_a_new_version_or_schema_invalidates(tmp_path: Path, home: Path, calls: list[str], monkeypatch: pytest.MonkeyPatch, bump: str) -> None:
    root = make_repo(tmp_path / "repo")
    audit_json(root)
    calls.clear()
    if bump == "version":
        monkeypatch.setattr(readycheck, "__version__", readycheck.__version__ + ".post1")
    else:
        monkeypatch.setattr(rc_cache, "SCHEMA", rc_cache.SCHEMA + 1)
    audit_json(root)
    assert sorted(calls) == CODE


def _database(home: Path) -> Path:
    (db,) = [p for p in home.iterdir() if p.name.endswith(".sqlite")]
    return db


def test_a_tampered_entry_is_ignored_and_never_unpickled(tmp_path: Path, home: Path, calls: list[str]) -> None:
    root = make_repo(tmp_path / "repo")
    expected = audit_json(root)
    marker = tmp_path / "pwned"

    class Evil:
        def __reduce__(self) -> tuple[Any, ...]:
            return (os.system, (f"touch {marker}",))

    db = _database(home)
    conn = sqlite3.connect(db)
    keys = [k for (k,) in conn.execute("SELECT key FROM entries")]
    assert len(keys) > len(CODE)  # the parse products, and the checks' per-file results
    # Every entry spoilt, in turn: a malicious pickle (its signature no longer matches), a
    # flipped bit, a bad signature, a cell that is not even a blob.
    for n, key in enumerate(keys):
        if n % 4 == 0:
            conn.execute("UPDATE entries SET data = ? WHERE key = ?", (pickle.dumps(Evil()), key))
        elif n % 4 == 1:
            (data,) = conn.execute("SELECT data FROM entries WHERE key = ?", (key,)).fetchone()
            conn.execute("UPDATE entries SET data = ? WHERE key = ?", (data[:3] + bytes([data[3] ^ 1]) + data[4:], key))
        elif n % 4 == 2:
            conn.execute("UPDATE entries SET mac = x'00' WHERE key = ?", (key,))
        else:
            conn.execute("UPDATE entries SET data = 'text' || x'ff00' WHERE key = ?", (key,))
    conn.commit()
    conn.close()
    calls.clear()
    assert audit_json(root) == expected
    assert not marker.exists()
    assert sorted(calls) == CODE  # every spoilt product was parsed again
    calls.clear()
    assert audit_json(root) == expected
    assert calls == []  # and stored afresh


def test_a_corrupt_database_is_replaced(tmp_path: Path, home: Path, calls: list[str]) -> None:
    root = make_repo(tmp_path / "repo")
    expected = audit_json(root)
    db = _database(home)
    for suffix in ("-wal", "-shm"):
        Path(str(db) + suffix).unlink(missing_ok=True)
    db.write_bytes(b"this is not a database" * 100)
    calls.clear()
    assert audit_json(root) == expected
    assert sorted(calls) == CODE


def test_an_entry_signed_with_another_key_is_rejected(tmp_path: Path, home: Path, calls: list[str]) -> None:
    root = make_repo(tmp_path / "repo")
    audit_json(root)
    (home / "hmac.key").unlink()  # a new key: every old signature is void
    calls.clear()
    audit_json(root)
    assert sorted(calls) == CODE


def test_an_unwritable_cache_folder_means_no_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, calls: list[str]) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    monkeypatch.setenv("READYCHECK_CACHE_DIR", str(blocker / "cache"))
    monkeypatch.setenv("READYCHECK_WORKERS", "1")
    root = make_repo(tmp_path / "repo")
    assert rc_cache.open_cache(root) is None
    first = audit_json(root)
    second = audit_json(root)
    assert first == second
    assert sorted(calls) == sorted(CODE * 2)


def test_a_key_readable_by_others_is_refused(tmp_path: Path, home: Path) -> None:
    root = make_repo(tmp_path / "repo")
    assert rc_cache.open_cache(root) is not None
    (home / "hmac.key").chmod(0o644)
    assert rc_cache.open_cache(root) is None


def test_no_cache_option_and_config_bypass_the_cache(tmp_path: Path, home: Path, calls: list[str]) -> None:
    root = make_repo(tmp_path / "repo")
    code, out, _ = cli("audit", str(root), "--format", "json", "--no-cache")
    assert code in (0, 1) and json.loads(out)["verdict"]
    assert not home.exists()
    assert load_policy(root).cache is True
    assert load_policy(root, cache=False).cache is False
    (root / "readycheck.yaml").write_text("cache: false\n")
    assert load_policy(root).cache is False
    calls.clear()
    code, _, _ = cli("audit", str(root), "--format", "json")
    assert not home.exists() and sorted(calls) == CODE


def test_prune_drops_old_and_excess_entries(tmp_path: Path, home: Path) -> None:
    cache = rc_cache.open_cache(tmp_path)
    assert cache is not None
    cache.put_many([(f"k{i}", "x" * 1000) for i in range(10)])
    assert len(cache.get_many([f"k{i}" for i in range(10)])) == 10
    cache.prune(max_bytes=5_000)
    left = cache.get_many([f"k{i}" for i in range(10)])
    assert 0 < len(left) <= 5
    cache.prune(max_age_days=-1)
    assert cache.get_many([f"k{i}" for i in range(10)]) == {}
    cache.close()
    assert cache.get_many(["k1"]) == {}  # a closed cache is an empty one


def test_entries_stream_in_chunks_across_statement_bounds(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(rc_cache, "_CHUNK", 7)
    cache = rc_cache.open_cache(tmp_path)
    assert cache is not None
    written: list[int] = []
    stored_midway: list[int] = []

    def items() -> Any:  # a generator, as the index hands it over: consumed once, a chunk at a time
        for i in range(30):
            if i == 20:  # what the write has stored so far, seen through its own connection
                assert cache._conn is not None
                stored_midway.append(cache._conn.execute("SELECT count(*) FROM entries").fetchone()[0])
            written.append(i)
            yield (f"k{i}", {"n": i})
        yield ("unpicklable", lambda: None)  # skipped, the others kept

    cache.put_many(items())
    assert written == list(range(30))
    assert stored_midway == [14]  # two chunks of 7 written before the 21st entry was even made
    wanted = [f"k{i}" for i in range(32)]  # two never written
    found = cache.get_many(wanted)
    assert found == {f"k{i}": {"n": i} for i in range(30)}
    assert (cache.hits, cache.misses) == (30, 2)
    cache.close()


FIXTURES = Path(__file__).resolve().parents[1] / "checks" / "fixtures"


def _mapped_index(root: Path, *, cached: bool = True) -> Any:
    from readycheck.index import build_index

    index = build_index(root, use_git=False)
    index.cache_results = cached
    return index


def _counting(seen: list[str]) -> Any:
    def compute(f: Any) -> Any:
        seen.append(f.path)
        return None if f.path.endswith(".md") else (f.path, len(f.text))  # None is a result too

    return compute


def test_per_file_results_are_computed_once_per_content(tmp_path: Path, home: Path) -> None:
    root = make_repo(tmp_path / "repo")
    seen: list[str] = []
    first = _mapped_index(root)
    files = list(first.files)
    expected = [None if f.path.endswith(".md") else (f.path, len(f.text)) for f in files]
    assert first.map_files("test.sizes", files, _counting(seen)) == expected
    assert sorted(seen) == sorted(f.path for f in files)
    seen.clear()
    assert _mapped_index(root).map_files("test.sizes", files, _counting(seen)) == expected
    assert seen == []  # every result, None included, from the cache
    (root / "src" / "util.py").write_text("def add(a, b):\n    return a - b  # changed\n")
    again = _mapped_index(root)
    results = dict(zip((f.path for f in again.files), again.map_files("test.sizes", list(again.files), _counting(seen))))
    assert seen == ["src/util.py"]
    assert results["src/util.py"] == ("src/util.py", len((root / "src" / "util.py").read_text()))


def test_per_file_results_depend_on_name_salt_and_code(tmp_path: Path, home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = make_repo(tmp_path / "repo")
    index = _mapped_index(root)
    files = list(index.files)
    seen: list[str] = []
    index.map_files("test.sizes", files, _counting(seen), salt="rules-1")
    for name, salt in (("test.other", "rules-1"), ("test.sizes", "rules-2")):
        seen.clear()
        index.map_files(name, files, _counting(seen), salt=salt)
        assert len(seen) == len(files)
    seen.clear()
    monkeypatch.setattr(rc_cache, "code_fingerprint", lambda *modules: "another release or a local edit")
    index.map_files("test.sizes", files, _counting(seen), salt="rules-1")
    assert len(seen) == len(files)


def test_per_file_results_are_not_kept_without_the_cache(tmp_path: Path, home: Path) -> None:
    root = make_repo(tmp_path / "repo")
    seen: list[str] = []
    for _ in range(2):
        index = _mapped_index(root, cached=False)
        index.map_files("test.sizes", list(index.files), _counting(seen))
    assert len(seen) == 2 * len(index.files)
    assert not home.exists()


def test_the_code_fingerprint_follows_a_plugin_module_outside_the_package(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib
    import sys

    (tmp_path / "rc_plugin_for_fingerprint.py").write_text("RULE = 1\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    importlib.import_module("rc_plugin_for_fingerprint")
    try:
        base = rc_cache.code_fingerprint()
        with_plugin = rc_cache.code_fingerprint("rc_plugin_for_fingerprint")
        assert with_plugin != base
        assert rc_cache.code_fingerprint("readycheck.detectors.credentials") == base  # inside the package: counted already
        rc_cache._fingerprint.cache_clear()
        (tmp_path / "rc_plugin_for_fingerprint.py").write_text("RULE = 2\n")
        assert rc_cache.code_fingerprint("rc_plugin_for_fingerprint") not in (base, with_plugin)
    finally:
        sys.modules.pop("rc_plugin_for_fingerprint", None)
        rc_cache._fingerprint.cache_clear()


def test_the_secret_scan_of_unchanged_files_comes_from_the_cache(tmp_path: Path, home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import shutil

    import readycheck.detectors.credentials as cred

    root = tmp_path / "repo"
    shutil.copytree(FIXTURES / "RC0201" / "flagged", root)
    scanned: list[str] = []
    real = cred._scan

    def scan(path: str, text: str, rules: Any) -> Any:
        scanned.append(path)
        return real(path, text, rules)

    monkeypatch.setattr(cred, "_scan", scan)

    def rc0201(policy: Policy | None = None) -> dict[str, Any]:
        report = run_audit(root, policy or Policy(root=root), REG, [REG.get("RC0201")])
        return strip(json.loads(render(report, "json")))["results"][0]

    plain = rc0201(Policy(root=root, cache=False))
    assert plain["status"] == "fail" and len(plain["evidence"]) == 5
    cold = rc0201()
    scanned.clear()
    assert rc0201() == cold == plain  # findings, lines, redacted snippets, fingerprints: the same
    assert scanned == []
    (root / "app" / "clients.py").write_text((root / "app" / "clients.py").read_text() + "\n# reviewed\n")
    assert rc0201() == plain
    assert scanned == ["app/clients.py"]
    # A team rule changes what the scan finds: every file is scanned again.
    scanned.clear()
    team = Policy(root=root, secret_rules=({"id": "team-token", "provider": "Team", "description": "Team token",
                                           "confidence": "high", "regex": r"\bteam_[a-z0-9]{24}\b", "keywords": ["team_"]},))
    rc0201(team)
    assert len(scanned) == len(plain_files(root))


def plain_files(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()]


def test_entry_keys_depend_on_path_content_and_parser() -> None:
    base = rc_cache.entry_key("python", "a.py", "x = 1\n")
    assert base == rc_cache.entry_key("python", "a.py", "x = 1\n")
    assert base != rc_cache.entry_key("python", "b.py", "x = 1\n")
    assert base != rc_cache.entry_key("python", "a.py", "x = 2\n")
    assert base != rc_cache.entry_key("js", "a.py", "x = 1\n")


def test_parse_products_survive_a_pickle_round_trip_as_tuples_of_their_fields() -> None:
    products = [pf.parse_python(AGENT, "agent.py"), jf.parse_js(TS, "answer.ts"), tf.parse_terraform(TF)]
    for product in products:
        assert pickle.loads(pickle.dumps(product, protocol=pickle.HIGHEST_PROTOCOL)) == product
    call = products[0].calls[0]
    # The state is the field values in order, restored without looking the fields up per object.
    assert call.__getstate__() == tuple(getattr(call, f) for f in pf.CallFact.__dataclass_fields__)
    assert products[2].blocks and pickle.loads(pickle.dumps(products[2].blocks[0])) == products[2].blocks[0]
