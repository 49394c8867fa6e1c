"""Hostile file content (issue item 2): YAML bombs, `!!python` tags, deep nesting, huge numbers,
malformed HCL / TOML / notebooks, Python and JS that break parsers. Each case is a realistic file
of a temporary repository, audited through the real command line (one audit of a repository that
holds every case), and fed to the parser wrapper directly. What is asserted is what the user sees:
the exit code, the reason the file was skipped, nothing executed, and the audit finishing within
a generous bound that proves it did not hang (never a timing assertion)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any, Callable

import pytest

from tests.conftest import ROOT, cli, init_repo

from readycheck.parsers.js_facts import parse_js
from readycheck.parsers.python_facts import parse_python
from readycheck.parsers.structured import ParseError, load_json_doc, load_toml_doc, load_yaml_docs
from readycheck.parsers.terraform import parse_terraform
from tests.robustness.conftest import bounded as _bounded

HANG = 60.0  # seconds: far above any real run, only proves that nothing hung


def bounded(fn: Callable[[], Any], timeout: float = HANG) -> Any:
    return _bounded(fn, timeout)


# --- inputs ----------------------------------------------------------------------------------------


def billion_laughs(levels: int = 9, width: int = 10) -> str:
    out = ['lol0: &lol0 ["lol"]']
    for i in range(1, levels + 1):
        out.append(f"lol{i}: &lol{i} [" + ", ".join([f"*lol{i - 1}"] * width) + "]")
    return "\n".join(out) + "\n"


def alias_chain(depth: int = 60) -> str:
    """Each anchor holds two aliases of the previous one: 2**60 nodes as a tree, 120 as a graph."""
    return "a0: &a0 leaf\n" + "".join(f"a{i}: &a{i} [*a{i - 1}, *a{i - 1}]\n" for i in range(1, depth + 1))


def python_tag_yaml(marker: Path, tag: str) -> str:
    cmd = f"touch {marker}"
    if tag == "apply":
        return f"steps:\n  - !!python/object/apply:os.system [{json.dumps(cmd)}]\n"
    if tag == "new":
        return f"steps:\n  - !!python/object/new:subprocess.Popen [[sh, -c, {json.dumps(cmd)}]]\n"
    return "hook: !!python/name:os.system\n"


BIG_INT = "9" * 100_000  # Python 3.11 refuses int() of strings over 4300 digits

# Each case: (file, content, the skipped reason the report must give, or None when the file parses).
# The reasons differ from case to case, so that the report's reason counts tell each file apart.
CASES: dict[str, tuple[str, str, str | None]] = {
    "yaml-billion-laughs": ("config/bomb.yaml", billion_laughs(), "alias bomb"),
    "yaml-deep-flow": ("config/deep-flow.yaml", "matrix: " + "[" * 100_000 + "]" * 100_000 + "\n", "nesting depth"),
    "json-deep": ("data/deep.json", "[" * 100_000 + "]" * 100_000, "invalid JSON: nests too deeply"),
    "json-not-json": ("data/broken.json", '{"name": "agent", "retries": 3,,}', "invalid JSON: Expecting"),
    "toml-huge-int": ("settings/limits.toml", f"[limits]\nmax_tokens = {BIG_INT}\n", "invalid TOML: an integer is too long to read"),
    "toml-malformed": ("settings/broken.toml", '[tool.agent\nname = "x"\n', "invalid TOML: Expected ']'"),
    "hcl-unterminated": (
        "infra/main.tf",
        'resource "aws_budgets_budget" "llm" {\n  budget_type = "COST"\n  limit_amount = "100"\n  cost_filter {\n',
        "invalid HCL",
    ),
    "notebook-not-json": ("notebooks/broken.ipynb", '{"cells": [ {"cell_type": "code", "source": ["import os"\n', "invalid JSON: Expecting ','"),
    "python-nested-parens": ("agent/parens.py", "x = " + "(\n" * 1_000 + "1\n" + ")\n" * 1_000, "too many nested parentheses"),
    "python-deep-functions": (
        "agent/nested.py",
        "".join(" " * i + f"def f{i}():\n" for i in range(120)) + " " * 120 + "pass\n",
        "too many levels of indentation",
    ),
    "python-long-sum": ("agent/sum.py", "total = (a\n" + "+ a\n" * 200_000 + ")\n", "cannot parse: the code nests too deeply"),
    "python-nul": ("agent/nul.py", "# padding\n" * 1_000 + "x = 1\0\n", "cannot parse: NUL bytes in the source"),
    # These parse (a huge number is data, deep JS is iterative for tree-sitter): the audit must
    # simply finish and keep them.
    "json-huge-numbers": ("data/numbers.json", f'{{"max_tokens": {BIG_INT}, "budget": 1e400, "neg": -{BIG_INT}}}', None),
    "yaml-huge-numbers": ("config/numbers.yaml", f"max_tokens: {BIG_INT}\nbudget: 1e400\n", None),
    "notebook-wrong-shape": ("notebooks/list.ipynb", "[1, 2, 3]", None),
    "notebook-huge-output": (
        "notebooks/big.ipynb",
        json.dumps({"cells": [{"cell_type": "code", "source": ["print(1)"], "outputs": [{"output_type": "stream", "text": ["A" * 1_500_000]}]}], "nbformat": 4}),
        None,
    ),
    "js-deep-parens": ("web/deep.js", "const x = " + "(\n" * 20_000 + "1\n" + ")\n" * 20_000 + ";\n", None),
    "ts-long-member-chain": ("web/chain.ts", "const x = client\n" + "  .b\n" * 100_000 + ";\n", None),
    "js-deep-functions": ("web/fns.js", "function f() {\n" * 3_000 + "}\n" * 3_000, None),
}
PYTHON_TAGS = ("apply", "new", "name")


@pytest.fixture(scope="module")
def hostile_audit(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """One repository holding every case (and the three `!!python` YAML files), audited once."""
    repo = tmp_path_factory.mktemp("hostile") / "repo"
    repo.mkdir()
    marker = repo.parent / "PWNED"
    for rel, content, _ in CASES.values():
        path = repo / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content, encoding="utf-8")
    # binary garbage in a .tf (no NUL byte, else the index rightly calls it binary)
    (repo / "infra" / "garbage.tf").write_bytes(bytes(range(1, 256)) * 40)
    for tag in PYTHON_TAGS:
        (repo / f"deploy-{tag}.yaml").write_text(python_tag_yaml(marker, tag), encoding="utf-8")
    init_repo(repo)
    code, out, err = bounded(lambda: cli("audit", str(repo), "--format", "json"), timeout=120)
    return {"code": code, "report": json.loads(out), "err": err, "marker": marker}


def test_hostile_repository_audit_completes_with_a_verdict(hostile_audit: dict[str, Any]) -> None:
    assert hostile_audit["code"] in (0, 1), hostile_audit["err"]
    report = hostile_audit["report"]
    assert report["verdict"] in ("GO", "NO-GO")
    assert report["summary"]["error"] == 0  # no check crashed on any of these files
    assert any("could not be parsed" in n for n in report["notes"])


@pytest.mark.parametrize("case", [c for c, (_, _, why) in CASES.items() if why])
def test_hostile_file_is_reported_skipped_with_its_reason(hostile_audit: dict[str, Any], case: str) -> None:
    _, _, why = CASES[case]
    reasons = hostile_audit["report"]["files"]["skipped_by_reason"]
    assert any(why in r for r in reasons), f"{why!r} not among {sorted(reasons)}"


def test_binary_garbage_in_terraform_is_invalid_hcl(hostile_audit: dict[str, Any]) -> None:
    reasons = hostile_audit["report"]["files"]["skipped_by_reason"]
    assert sum(n for r, n in reasons.items() if r.startswith("invalid HCL")) == 2  # main.tf and garbage.tf


def test_python_yaml_tags_in_repository_content_are_never_run(hostile_audit: dict[str, Any]) -> None:
    """Repository YAML with `!!python/object/apply`, `/object/new` and `/name` tags reads as plain
    data (the contract pinned by tests/unit/test_parsers.py): nothing is constructed or run."""
    assert not hostile_audit["marker"].exists()
    reasons = " | ".join(hostile_audit["report"]["files"]["skipped_by_reason"])
    assert "deploy-" not in reasons and "python/" not in reasons


def test_files_that_parse_are_not_reported_skipped(hostile_audit: dict[str, Any]) -> None:
    reasons = " | ".join(hostile_audit["report"]["files"]["skipped_by_reason"])
    assert "digits" not in reasons  # Python's int() limit never surfaces as a reason
    assert "larger than" not in reasons  # every case is a realistic size, under max_file_size
    assert hostile_audit["report"]["files"]["scanned"] >= len(CASES)


# --- the parser wrappers, directly ----------------------------------------------------------------


@pytest.mark.parametrize(
    "text, why",
    [
        (billion_laughs(), "alias bomb"),
        (alias_chain(), "alias bomb"),
        ("a: &a [*a]\n", "recursive YAML alias"),
        ("- " + "[" * 100_000 + "]" * 100_000 + "\n", "nesting depth"),
        ("".join(" " * i + "-\n" for i in range(3_000)), "nesting depth"),
        ("key: [unclosed\n", "invalid YAML at line"),
    ],
    ids=["billion-laughs", "alias-chain-2**60", "recursive-alias", "deep-flow", "deep-block", "malformed"],
)
def test_yaml_hostile_input_raises_parse_error(text: str, why: str) -> None:
    with pytest.raises(ParseError, match=why.replace("*", r"\*")):
        bounded(lambda: load_yaml_docs(text))


@pytest.mark.parametrize("tag", PYTHON_TAGS)
def test_yaml_python_tags_read_as_data_and_never_executed(tmp_path: Path, tag: str) -> None:
    marker = tmp_path / "PWNED"
    docs = load_yaml_docs(python_tag_yaml(marker, tag))
    assert not marker.exists()
    values = [v for _, v in docs[0].walk()]
    assert all(isinstance(v, (str, list, dict)) for v in values)  # plain data, no object


@pytest.mark.parametrize("tag", PYTHON_TAGS)
def test_yaml_python_tags_refused_for_configuration(tmp_path: Path, tag: str) -> None:
    marker = tmp_path / "PWNED"
    with pytest.raises(ParseError, match="never constructs Python objects"):
        load_yaml_docs(python_tag_yaml(marker, tag), refuse_python=True)
    assert not marker.exists()


def test_yaml_huge_numbers_read_as_text() -> None:
    (doc,) = load_yaml_docs(f"max_tokens: {BIG_INT}\nbudget: 1e400\n")
    assert doc.data["max_tokens"] == BIG_INT  # too long for int(): kept as its text
    assert doc.data["budget"] in ("1e400", float("inf"))


def test_json_huge_numbers_parse() -> None:
    doc = load_json_doc(f'{{"a": {BIG_INT}, "b": 1e400, "c": -{BIG_INT}, "d": 7}}')
    assert doc.data == {"a": float("inf"), "b": float("inf"), "c": float("-inf"), "d": 7}
    assert doc.lines[("d",)] == 1


@pytest.mark.parametrize(
    "text, why",
    [("[" * 100_000 + "]" * 100_000, "nests too deeply"), ('{"a":' * 50_000 + "1" + "}" * 50_000, "nests too deeply"), ("not json {", "invalid JSON")],
    ids=["deep-array", "deep-object", "not-json"],
)
def test_json_hostile_input_raises_parse_error(text: str, why: str) -> None:
    with pytest.raises(ParseError, match=why):
        bounded(lambda: load_json_doc(text))


@pytest.mark.parametrize(
    "text, why",
    [
        (f"a = {BIG_INT}\n", "integer is too long"),
        ("a = " + "[" * 100_000 + "]" * 100_000 + "\n", "invalid TOML"),
        ("a = " + "{b=" * 50_000 + "1" + "}" * 50_000 + "\n", "invalid TOML"),
        ("[a\nb = = 1\n", "invalid TOML"),
        ("a = 1\na = 2\n", "invalid TOML"),
    ],
    ids=["huge-int", "deep-array", "deep-inline-table", "malformed", "duplicate-key"],
)
def test_toml_hostile_input_raises_parse_error(text: str, why: str) -> None:
    with pytest.raises(ParseError, match=why):
        bounded(lambda: load_toml_doc(text))


def test_toml_float_overflow_parses() -> None:
    assert load_toml_doc("b = 1e400\n").data == {"b": float("inf")}


def test_toml_key_lines_stay_linear_on_many_keys() -> None:
    """30,000 keys: finding each key's line used to rescan the file per key (quadratic: 8 s for
    4,000 keys, minutes for these)."""
    text = "".join(f"k{i} = {i}\n" for i in range(30_000))
    doc = load_toml_doc(text)
    lines = bounded(lambda: doc.lines)
    assert lines[("k29999",)] == 30_000 and lines[("k10",)] == 11


def test_toml_key_lines_with_nested_prefix_keys() -> None:
    text = "".join(f'"{"a " * i}" = {i}\n' for i in range(1, 800))  # keys of other characters: the slow path, bounded
    lines = bounded(lambda: load_toml_doc(text).lines)
    assert lines[("a ",)] == 1


def test_toml_key_lines_unchanged_for_ordinary_files() -> None:
    text = '[a]\nx = 1\n[a.b]\ny = 2\n[[c]]\nz = 3\n[d]\n"q k" = 1\nk10 = 1\nk1 = 2\n'
    assert load_toml_doc(text).lines == {
        (): 1, ("a",): 1, ("a", "x"): 2, ("a", "b"): 3, ("a", "b", "y"): 4, ("c",): 5,
        ("d",): 7, ("d", "q k"): 8, ("d", "k10"): 9, ("d", "k1"): 10,
    }


@pytest.mark.parametrize(
    "source, why",
    [
        ("x = " + "(" * 100_000 + "1" + ")" * 100_000 + "\n", "syntax error at line 1: too many nested parentheses"),
        ("x = " + "+".join(["a"] * 1_000_000) + "\n", "cannot parse: the code nests too deeply"),
        ("x = a" + ".b" * 200_000 + "\n", "cannot parse: the code nests too deeply"),
        ("x = f" + "()" * 200_000 + "\n", "cannot parse: the code nests too deeply"),
        ("x = " + "not " * 200_000 + "a\n", "cannot parse: the code is too deeply nested or too large"),
        ("".join(" " * i + f"def f{i}():\n" for i in range(1_000)) + " " * 1_000 + "pass\n", "syntax error at line 101: too many levels of indentation"),
        ("x = 1\0\n", "cannot parse: NUL bytes in the source"),
        ("def f(:\n", "syntax error at line 1"),
    ],
    ids=["parens-100k", "sum-1M-terms", "attribute-chain", "call-chain", "not-chain", "nested-functions", "nul-bytes", "syntax-error"],
)
def test_python_hostile_source_gets_a_readable_error(source: str, why: str) -> None:
    limit = sys.getrecursionlimit()
    facts = bounded(lambda: parse_python(source, "agent.py"))
    assert facts.error is not None and facts.error.startswith(why), facts.error
    assert "None" not in facts.error and "Error" not in facts.error  # no "line None", no bare exception name
    assert facts.calls == [] and sys.getrecursionlimit() == limit


@pytest.mark.parametrize(
    "source",
    [
        "x = " + "(" * 50_000 + "1" + ")" * 50_000 + ";\n",
        "x = " + "[" * 50_000 + "]" * 50_000 + ";\n",
        "function f(){" * 5_000 + "}" * 5_000,
        "f(" * 20_000 + ")" * 20_000,
        "x = " + "+".join(["a"] * 200_000) + ";\n",
        "x = a" + ".b" * 50_000 + ";\n",
        "x = require('openai')" + ".b" * 50_000 + ";\n",
    ],
    ids=["parens", "arrays", "functions", "calls", "sum", "member-chain", "module-member-chain"],
)
def test_js_extreme_nesting_completes(source: str) -> None:
    facts = bounded(lambda: parse_js(source, "web/app.js"))
    assert facts is not None  # tree-sitter parses or recovers; our walks must not recurse or go quadratic


def test_js_long_member_chain_keeps_its_tail() -> None:
    facts = parse_js("const c = new OpenAI();\nc" + ".b" * 5_000 + ".create({model: 'x'});\n", "a.js")
    (call,) = [c for c in facts.calls if c.qualname.endswith(".create")]
    assert call.qualname.startswith("?.") and call.qualname.endswith(".b.b.create")


@pytest.mark.parametrize(
    "text, why",
    [
        ('resource "aws_s3_bucket" "b" {\n  bucket = "x"\n  tags = {\n', "invalid HCL"),
        (bytes(range(1, 256)).decode("latin-1") * 100, "invalid HCL"),
        ('locals {\n  a = ' + "[" * 5_000 + "]" * 5_000 + "\n}\n", "HCL nests too deeply"),
    ],
    ids=["unterminated", "binary-garbage", "deep"],
)
def test_hcl_hostile_input_gets_an_error(text: str, why: str) -> None:
    tf = bounded(lambda: parse_terraform(text))
    assert tf.error is not None and tf.error.startswith(why) and tf.blocks == []


# --- readycheck.yaml ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "content, why",
    [
        ("__MARKER_APPLY__", "!!python/object/apply:os.system at line 2 refused"),
        ("__MARKER_NEW__", "!!python/object/new:subprocess.Popen at line 2 refused"),
        ("__MARKER_NAME__", "!!python/name:os.system at line 1 refused"),
        (billion_laughs(), "alias bomb"),
        (alias_chain(), "alias bomb"),
        ("select: &a [*a]\n", "recursive YAML alias"),
        ("[" * 5_000 + "]" * 5_000, "nesting depth"),
        (f"max_file_size: {BIG_INT}\n", "a number is too long to read"),
    ],
    ids=["python-apply", "python-new", "python-name", "billion-laughs", "alias-chain", "recursive-alias", "deep", "huge-int"],
)
def test_config_hostile_yaml_is_one_error_line(tmp_path: Path, content: str, why: str) -> None:
    marker = tmp_path / "PWNED"
    if content.startswith("__MARKER_"):
        content = python_tag_yaml(marker, content[len("__MARKER_"):-2].lower())
    (tmp_path / "readycheck.yaml").write_text(content, encoding="utf-8")
    (tmp_path / "app.py").write_text("print('hello')\n", encoding="utf-8")
    code, out, err = bounded(lambda: cli("audit", str(tmp_path)))
    assert code == 2, err
    assert why in err and err.count("\n") == 1 and "Traceback" not in err
    assert not marker.exists()


def test_config_passed_with_flag_is_refused_too(tmp_path: Path) -> None:
    marker = tmp_path / "PWNED"
    cfg = tmp_path / "evil.yaml"
    cfg.write_text(python_tag_yaml(marker, "apply"), encoding="utf-8")
    code, _, err = bounded(lambda: cli("audit", str(tmp_path), "--config", str(cfg)))
    assert code == 2 and "never constructs Python objects" in err and not marker.exists()


@pytest.mark.parametrize(
    "files, kwargs, expect",
    [
        ({"readycheck.yaml": "profiles: {1: {}}\n"}, {"profile": "p"}, "unknown profile 'p' (known profiles: 1)"),
        ({"pyproject.toml": "tool = 1\n"}, {}, None),
        ({"pyproject.toml": "[tool.readycheck]\nx = " + "[" * 5_000 + "]" * 5_000 + "\n"}, {}, None),
        ({"pyproject.toml": f"[tool.readycheck]\nmax_file_size = {BIG_INT}\n"}, {}, None),
        ({"readycheck.yaml": "0: null\n"}, {}, "unknown key '0'"),
        ({"readycheck.yaml": "arns: null\n0: null\n"}, {}, "unknown key '0'"),
    ],
    ids=["F3-int-profile-name", "F4-tool-not-a-table", "F5-deep-pyproject", "huge-int-pyproject", "F6-int-key", "F7-mixed-keys"],
)
def test_config_fuzz_regressions(tmp_path: Path, files: dict[str, str], kwargs: dict[str, str], expect: str | None) -> None:
    """Reproducers found by fuzzing (tests/robustness/test_fuzz.py, F3-F7): a ConfigError naming the
    problem, or (for a project's broken pyproject.toml) no configuration at all; never a crash."""
    from readycheck.config import load_policy
    from readycheck.errors import ConfigError

    for name, text in files.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    if expect is None:
        load_policy(tmp_path, **kwargs)  # type: ignore[arg-type]
    else:
        with pytest.raises(ConfigError, match=expect.replace("(", r"\(").replace(")", r"\)")):
            load_policy(tmp_path, **kwargs)  # type: ignore[arg-type]


# --- memory ---------------------------------------------------------------------------------------

_RSS_PROBE = r"""
import resource, sys
sys.path.insert(0, sys.argv[1])
from readycheck.parsers.python_facts import parse_python
from readycheck.parsers.structured import ParseError, load_yaml_docs
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
facts = parse_python("x = " + "+".join(["a"] * 1_000_000) + "\n")  # the worst input measured: 2 MB
try:
    load_yaml_docs(sys.argv[2])
except ParseError:
    pass
print(facts.error, (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) // 1024)
"""


def test_worst_parse_stays_bounded_in_memory() -> None:
    """The worst input found (a 2 MB `a+a+...` Python line: CPython builds its whole AST before the
    recursion limit stops it) and a billion-laughs YAML, in a fresh interpreter: peak resident
    memory growth stays far under 1 GiB (measured: about 400 MiB)."""
    proc = subprocess.run(
        [sys.executable, "-c", _RSS_PROBE, str(ROOT), billion_laughs()],
        capture_output=True, text=True, timeout=HANG, env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert proc.returncode == 0, proc.stderr
    error, grown_mib = proc.stdout.rsplit(" ", 1)
    assert error.startswith("cannot parse")
    assert int(grown_mib) < 1024
