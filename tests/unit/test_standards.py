"""The checks' mapping to OWASP Top 10 for LLM Applications and the AWS Generative AI Lens."""

from __future__ import annotations

import json
import re

import pytest

from readycheck.docs import checks_by_framework, checks_markdown, explain, framework_json
from readycheck.model import CheckSpec
from readycheck.registry import load_registry
from readycheck.standards import FRAMEWORKS, STANDARDS


@pytest.fixture(scope="module")
def specs() -> list[CheckSpec]:
    return list(load_registry(plugins=False).active())


def by_id(specs: list[CheckSpec], check_id: str) -> CheckSpec:
    return next(s for s in specs if s.id == check_id)


def test_table_matches_the_frameworks() -> None:
    assert set(STANDARDS) == set(FRAMEWORKS)
    assert list(STANDARDS["owasp-llm"]) == [f"LLM{n:02d}" for n in range(1, 11)]
    assert STANDARDS["owasp-llm"]["LLM10"] == "Unbounded Consumption"
    for entry in STANDARDS["aws-genai-lens"]:
        assert re.fullmatch(r"GEN[A-Z]+[0-9]{2}", entry)


def test_every_entry_a_spec_names_is_in_the_table(specs: list[CheckSpec]) -> None:
    for s in specs:
        for key, entries in s.standards.items():
            assert key in STANDARDS, (s.id, key)
            for entry in entries:
                assert entry in STANDARDS[key], (s.id, entry)


def test_security_and_cost_items_map_to_owasp(specs: list[CheckSpec]) -> None:
    # Rate limits and cost (1), input validation (7), output filtering (8), permissions (9).
    for s in specs:
        if s.item in (1, 7, 8, 9):
            assert s.standards.get("owasp-llm"), s.id
    # Credential hygiene (2) is general application security, not an OWASP LLM entry: it maps
    # to the lens's endpoint security instead.
    for s in specs:
        if s.item == 2:
            assert "GENSEC01" in s.standards.get("aws-genai-lens", ()), s.id


def test_spend_checks_serve_unbounded_consumption(specs: list[CheckSpec]) -> None:
    for check_id in ("RC0101", "RC0102", "RC0103", "RC0104", "RC0106"):
        assert "LLM10" in by_id(specs, check_id).standards["owasp-llm"]


def test_checks_by_framework_lists_entries_checks_and_gaps(specs: list[CheckSpec]) -> None:
    text = checks_by_framework(specs, "owasp-llm")
    assert text.startswith(FRAMEWORKS["owasp-llm"].name)
    blocks = dict(re.findall(r"^(LLM\d\d)  .*\n((?:    .*\n)+)", text, re.M))
    assert list(blocks) == list(STANDARDS["owasp-llm"])
    assert "RC0101  spend-ceiling" in blocks["LLM10"]
    assert "RC0102  llm-call-without-token-cap" in blocks["LLM10"]
    assert blocks["LLM07"].strip() == "not covered"
    covered = sum(1 for block in blocks.values() if "not covered" not in block)
    assert f"{covered} of 10 entries covered" in text


def test_aws_lens_coverage(specs: list[CheckSpec]) -> None:
    text = checks_by_framework(specs, "aws-genai-lens")
    assert "GENREL03  Prompt remediation and recovery actions\n    RC0103" in text
    assert re.search(r"GENSEC05  Excessive agency\n(    .*\n)*    RC0902  unsafe-tool-execution", text)
    assert re.search(r"\d+ of 26 entries covered", text)


def test_framework_json(specs: list[CheckSpec]) -> None:
    data = json.loads(framework_json(specs, "owasp-llm"))
    assert data["framework"] == "owasp-llm" and data["total"] == 10
    llm10 = next(e for e in data["entries"] if e["id"] == "LLM10")
    assert {"id": "RC0101", "slug": "spend-ceiling"} in llm10["checks"]
    assert data["covered"] == sum(1 for e in data["entries"] if e["checks"])


def test_unknown_framework_raises(specs: list[CheckSpec]) -> None:
    with pytest.raises(ValueError, match="owasp-llm, aws-genai-lens"):
        checks_by_framework(specs, "nist")
    with pytest.raises(ValueError, match="known"):
        framework_json(specs, "nist")


def test_explain_shows_standards(specs: list[CheckSpec]) -> None:
    text = explain(by_id(specs, "RC0801"))
    line = next(line for line in text.splitlines() if line.startswith("Standards: "))
    assert "LLM05 Improper Output Handling" in line and "GENSEC02 Response validation" in line
    assert "Standards:" not in explain(by_id(specs, "RC1001"))


def test_reference_table_does_not_show_standards(specs: list[CheckSpec]) -> None:
    table = checks_markdown(specs)
    assert not re.search(r"LLM\d\d|GEN[A-Z]+\d\d", table)
