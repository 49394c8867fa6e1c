"""The secret scanner over a corpus of realistic files, one folder per file type.

``corpus/expected.yaml`` lists, for each file, every true positive (line, rule id, and the
confidence where it matters) and the lines of its hard negatives. A file must produce exactly its
listed findings: a missing one is a false negative, an extra one a false positive. The corpus
files hold fake credentials (random values, never issued); this file holds none.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import yaml

from readycheck.secrets import redact_line, scan_file

CORPUS = Path(__file__).parent / "corpus"
EXPECTED: dict[str, dict[str, Any]] = yaml.safe_load((CORPUS / "expected.yaml").read_text(encoding="utf-8"))
FILE_TYPES = ("py", "js", "ts", "env", "yaml", "json", "toml", "tf", "dockerfile", "sh", "ipynb", "md", "k8s")


def corpus_files() -> list[str]:
    return sorted(p.relative_to(CORPUS).as_posix() for p in CORPUS.rglob("*") if p.is_file() and p.name != "expected.yaml")


def read(rel: str) -> str:
    return (CORPUS / rel).read_text(encoding="utf-8")


def test_every_corpus_file_has_expectations() -> None:
    assert corpus_files() == sorted(EXPECTED)


def test_every_file_type_is_covered_with_more_negatives_than_positives() -> None:
    positives: Counter[str] = Counter()
    negatives: Counter[str] = Counter()
    for rel, want in EXPECTED.items():
        kind = rel.split("/", 1)[0]
        positives[kind] += len(want["positives"])
        negatives[kind] += len(want["negatives"])
    assert set(positives) == set(FILE_TYPES)
    for kind in FILE_TYPES:
        assert positives[kind] > 0, kind
        assert negatives[kind] >= positives[kind], kind
    names = {rel.rsplit("/", 1)[-1] for rel in EXPECTED}
    assert {"Dockerfile", ".env", "prod.tfvars", "main.tf"} <= names
    assert any(rel.endswith(".ipynb") for rel in EXPECTED)


@pytest.mark.parametrize("rel", sorted(EXPECTED))
def test_file_findings_are_exactly_the_expected_ones(rel: str) -> None:
    text = read(rel)
    findings = scan_file(rel, text)
    got = sorted((f.line, f.rule_id) for f in findings)
    want = sorted((e["line"], e["rule"]) for e in EXPECTED[rel]["positives"])
    assert got == want, f"{rel}: missing {sorted(set(want) - set(got))}, unexpected {sorted(set(got) - set(want))}"
    for entry in EXPECTED[rel]["positives"]:
        if "confidence" in entry:
            confidences = [f.confidence for f in findings if (f.line, f.rule_id) == (entry["line"], entry["rule"])]
            assert confidences == [entry["confidence"]], (rel, entry)
    lines = text.splitlines()
    for finding in findings:
        assert 1 <= finding.column <= len(lines[finding.line - 1]), (rel, finding)


@pytest.mark.parametrize("rel", sorted(EXPECTED))
def test_hard_negatives_are_real_lines_without_findings(rel: str) -> None:
    lines = read(rel).splitlines()
    flagged = {f.line for f in scan_file(rel, read(rel))}
    for number in EXPECTED[rel]["negatives"]:
        assert lines[number - 1].strip(), (rel, number)
        assert number not in flagged, (rel, number)


@pytest.mark.parametrize("rel", sorted(EXPECTED))
def test_evidence_lines_are_redacted(rel: str) -> None:
    """What a check shows of each flagged line (redact_line) never holds the secret as written:
    also base64 values of a Kubernetes Secret and escaped strings of a notebook."""
    lines = read(rel).splitlines()
    for finding in scan_file(rel, read(rel)):
        line = lines[finding.line - 1]
        if finding.rule_id == "private-key" and "PRIVATE KEY-----" in line.rstrip(' ",\\n'):
            continue  # a PEM header on its own line: the key body is on the next lines
        assert redact_line(line) != line, (rel, finding.line)
