"""Unit tests of the secrets benchmark (benchmarks/secrets_bench): generator, scorer, adapters.

No credential is written here: the corpus generator builds every fake value at run time from a
seed, and the scorer cases use plain words. detect-secrets is not needed (its CLI is stubbed).
"""

from __future__ import annotations

import binascii
import json
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest
import yaml

from tests.conftest import ROOT

sys.path.insert(0, str(ROOT / "benchmarks"))

from secrets_bench import corpus, tools  # noqa: E402
from secrets_bench import values as V  # noqa: E402
from secrets_bench.score import Finding, redact_text, redact_value, score  # noqa: E402


def tree(root: Path) -> dict[str, str]:
    return {p.relative_to(root).as_posix(): p.read_text(encoding="utf-8") for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    root = tmp_path_factory.mktemp("corpus")
    return root, corpus.generate(root, 400, seed=3)


def test_same_seed_same_corpus_other_seed_differs(tmp_path: Path) -> None:
    a = corpus.generate(tmp_path / "a", 120, seed=11)
    b = corpus.generate(tmp_path / "b", 120, seed=11)
    c = corpus.generate(tmp_path / "c", 120, seed=12)
    assert a == b
    assert tree(tmp_path / "a") == tree(tmp_path / "b")
    assert len(tree(tmp_path / "a")) == 120
    assert a["positives"] != c["positives"]
    assert tree(tmp_path / "a") != tree(tmp_path / "c")


def test_labels_point_at_the_planted_values(small: tuple[Path, dict]) -> None:
    root, labels = small
    files = tree(root)
    assert len(files) == 400
    seen: set[tuple[str, int]] = set()
    for entry in labels["positives"] + labels["negatives"] + labels["ignore"]:
        lines = files[entry["path"]].splitlines()
        key = (entry["path"], entry["line"])
        assert key not in seen, key  # one planted value per line
        seen.add(key)
        if entry["kind"] == "env_reference":  # the variable's name, in the casing of the file
            squash = entry["needle"].replace("_", "").lower()
            assert squash in lines[entry["line"] - 1].replace("_", "").lower(), entry
        elif "needle" in entry:
            assert entry["needle"] in lines[entry["line"] - 1], entry
    for label in labels["positives"]:
        lines = files[label["path"]].splitlines()
        assert label.get("start_line", label["line"]) <= label["line"] <= label["end_line"] <= len(lines)
        if label["end_line"] > label["line"]:  # a PEM block: armour to armour
            assert "BEGIN" in lines[label["line"] - 1] and "END" in lines[label["end_line"] - 1]


def test_corpus_covers_the_kinds_and_outnumbers_positives_with_hard_negatives(small: tuple[Path, dict]) -> None:
    _, labels = small
    kinds = {p["kind"] for p in labels["positives"]}
    expected = set(corpus.POS_NAMES) | {"k8s_secret_data", "aws_access_key_id", "aws_secret_access_key"}
    assert expected - kinds <= {"aws_access_key_id", "aws_secret_access_key"}  # an AWS plant may hold one half
    assert len(labels["negatives"]) >= len(labels["positives"])
    assert {n["kind"] for n in labels["negatives"]} >= set(corpus.NEG_KINDS)


def test_structured_files_parse_without_duplicate_keys(small: tuple[Path, dict]) -> None:
    root, _ = small

    def no_dupes(pairs: list[tuple[str, object]]) -> dict[str, object]:
        keys = [k for k, _ in pairs]
        assert len(keys) == len(set(keys)), keys
        return dict(pairs)

    for rel, text in tree(root).items():
        if rel.endswith((".json", ".ipynb")):
            json.loads(text, object_pairs_hook=no_dupes)
        elif rel.endswith((".yaml", ".yml")):
            assert yaml.safe_load(text) is not None


def _base62_reference(number: int) -> str:
    alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
    out = ""
    while number:
        number, digit = divmod(number, 62)
        out = alphabet[digit] + out
    return out.rjust(6, "0")


def test_github_tokens_carry_a_valid_crc32_checksum(small: tuple[Path, dict]) -> None:
    _, labels = small
    tokens = [p["needle"] for p in labels["positives"] if p["kind"] == "github_classic"]
    assert tokens
    for token in tokens:
        prefix, body = token[:4], token[4:]
        assert prefix in {"ghp_", "gho_", "ghu_", "ghs_", "ghr_"} and len(body) == 36
        assert body[30:] == _base62_reference(binascii.crc32(body[:30].encode()))
        assert V.github_checksum_ok(token)
        tampered = token[:10] + ("A" if token[10] != "A" else "B") + token[11:]
        assert not V.github_checksum_ok(tampered)
    assert V.base62(0, 6) == "000000" and V.base62(61, 1) == "z" and V.base62(62, 2) == "10"


LABELS = {
    "positives": [
        {"path": "a.py", "line": 3, "end_line": 3, "kind": "alpha", "needle": "value-one"},
        {"path": "a.py", "line": 10, "end_line": 14, "start_line": 9, "kind": "block", "needle": "armour"},
        {"path": "b.env", "line": 2, "end_line": 2, "kind": "alpha", "needle": "value-two"},
    ],
    "negatives": [{"path": "b.env", "line": 5, "kind": "placeholder", "needle": "changeme"}],
    "ignore": [{"path": "b.env", "line": 1, "kind": "companion"}],
}


def test_scorer_counts_tp_fp_fn_by_line() -> None:
    findings = [
        Finding("a.py", 3, "rule-a"), Finding("a.py", 3, "rule-b"), Finding("a.py", 3, "rule-a"),  # one label, once
        Finding("a.py", 12, "rule-pem"),  # inside the block's span
        Finding("b.env", 1, "rule-a"),  # companion line: neither TP nor FP
        Finding("b.env", 5, "rule-a"),  # a hard negative: FP
        Finding("c.md", 7, "rule-a"), Finding("c.md", 7, "rule-c"),  # one FP line, two rules
    ]
    s = score(findings, LABELS)
    assert (s.tp, s.fp, s.fn) == (2, 2, 1)
    assert s.precision == pytest.approx(0.5) and s.recall == pytest.approx(2 / 3) and s.f1 == pytest.approx(4 / 7)
    assert s.recall_by_kind == {"alpha": (1, 2), "block": (1, 1)}
    assert s.by_rule == {"rule-a": (1, 2), "rule-b": (1, 0), "rule-c": (0, 1), "rule-pem": (1, 0)}
    assert s.fp_by_negative == {"placeholder": 1, "unlabeled": 1}
    assert [m["needle"] for m in s.missed] == ["value-two"]
    assert [(p, n, k) for p, n, _, k in s.fp_lines] == [("b.env", 5, "placeholder"), ("c.md", 7, "unlabeled")]


def test_scorer_block_span_starts_at_the_opening_line() -> None:
    assert score([Finding("a.py", 9, "kw")], LABELS).recall_by_kind["block"] == (1, 1)
    assert score([Finding("a.py", 8, "kw")], LABELS).recall_by_kind["block"] == (0, 1)
    assert score([Finding("a.py", 15, "kw")], LABELS).fp == 1
    empty = score([], LABELS)
    assert (empty.tp, empty.fp, empty.fn, empty.precision, empty.f1) == (0, 0, 3, 0.0, 0.0)


def test_redaction_keeps_four_characters() -> None:
    secret = V.rand(__import__("random").Random(1), V.ALNUM, 40)
    assert redact_value(secret) == secret[:4] + "…"
    shown = redact_text(f'API_KEY = "{secret}"')
    assert secret not in shown and secret[:4] + "…" in shown


def test_readycheck_adapter_prefers_scan_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import readycheck.secrets as secrets_mod

    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "x.txt").write_text("one\ntwo \xff\n", encoding="latin-1")
    calls: list[tuple[str, str]] = []

    def fake_scan_file(path: str, text: str) -> list[SimpleNamespace]:
        calls.append((path, text))
        return [SimpleNamespace(line=2, rule_id="fake-rule")]

    monkeypatch.setattr(secrets_mod, "scan_file", fake_scan_file, raising=False)
    run = tools.run_readycheck(tmp_path)
    assert calls == [("d/x.txt", "one\ntwo \ufffd\n")]
    assert run.findings == [Finding("d/x.txt", 2, "fake-rule")] and run.files == 1

    monkeypatch.delattr(secrets_mod, "scan_file", raising=False)
    monkeypatch.setattr(secrets_mod, "scan_text", lambda text, path="": [SimpleNamespace(line=1, rule_id=path)])
    assert tools.run_readycheck(tmp_path).findings == [Finding("d/x.txt", 1, "d/x.txt")]


def test_detect_secrets_adapter_parses_the_report(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    report = {"results": {
        "src/app.py": [{"type": "Secret Keyword", "line_number": 4, "hashed_secret": "0"}],
        str(tmp_path / "deep" / "x.env"): [{"type": "Base64 High Entropy String", "line_number": 2}],
    }}
    seen: list[list[str]] = []

    def fake_run(cmd: list[str], **kwargs: object) -> SimpleNamespace:
        seen.append(cmd)
        if "--version" in cmd:
            return SimpleNamespace(returncode=0, stdout="1.5.0\n", stderr="")
        assert kwargs["cwd"] == tmp_path
        return SimpleNamespace(returncode=0, stdout=json.dumps(report), stderr="")

    monkeypatch.setattr(tools, "detect_secrets_exe", lambda: "detect-secrets")
    monkeypatch.setattr(tools.subprocess, "run", fake_run)
    run = tools.run_detect_secrets(tmp_path)
    assert run is not None
    assert sorted(run.findings, key=lambda f: f.path) == [
        Finding("deep/x.env", 2, "Base64 High Entropy String"), Finding("src/app.py", 4, "Secret Keyword")]
    assert seen[0][-4:] == ["scan", "--all-files", "-n", str(tmp_path)]

    monkeypatch.setattr(tools, "detect_secrets_exe", lambda: None)
    assert tools.run_detect_secrets(tmp_path) is None
