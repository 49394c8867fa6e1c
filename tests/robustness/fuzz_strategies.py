"""Hypothesis settings and strategies shared by the fuzz tests (tests/robustness/test_fuzz.py).

Two profiles: in CI (the default) each target runs a modest, derandomized number of examples, so
the suite is fast and deterministic; ``READYCHECK_FUZZ_EXAMPLES=N`` (benchmarks/fuzz.py sets it)
runs N random examples per target for the long fuzzing run.
"""

from __future__ import annotations

import json
import os
import string
from collections import Counter
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st

ROOT = Path(__file__).resolve().parents[2]

LONG_EXAMPLES = int(os.environ.get("READYCHECK_FUZZ_EXAMPLES", "0") or 0)
LONG = LONG_EXAMPLES > 0
CI_EXAMPLES = 150

_HEALTH = [HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much, HealthCheck.large_base_example]


def fuzz_settings(ci: int = CI_EXAMPLES, long: int | None = None, shrink: bool = True) -> settings:
    """``ci`` examples, derandomized, in CI; ``long`` (default: READYCHECK_FUZZ_EXAMPLES) random
    ones in the long run. No example database: nothing is written into the checkout. ``shrink``
    off for slow targets (a whole audit per example), where shrinking would take minutes."""
    phases = tuple(p for p in Phase if shrink or p not in (Phase.shrink, Phase.explain))
    if LONG:
        return settings(
            max_examples=long if long is not None else LONG_EXAMPLES,
            deadline=None,
            derandomize=False,
            database=None,
            suppress_health_check=_HEALTH,
            print_blob=True,
            phases=phases,
        )
    return settings(max_examples=ci, deadline=None, derandomize=True, database=None, suppress_health_check=_HEALTH, phases=phases)


# Examples each target actually ran (benchmarks/fuzz.py reads them from READYCHECK_FUZZ_COUNTS).
COUNTS: Counter[str] = Counter()


def tick(target: str) -> None:
    COUNTS[target] += 1


def dump_counts() -> None:
    dest = os.environ.get("READYCHECK_FUZZ_COUNTS")
    if not dest or not COUNTS:
        return
    try:
        old = json.loads(Path(dest).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        old = {}
    for k, v in COUNTS.items():
        old[k] = old.get(k, 0) + v
    Path(dest).write_text(json.dumps(old, indent=2, sort_keys=True), encoding="utf-8")
    COUNTS.clear()


# --- data shapes ------------------------------------------------------------------------------------


def _schema_keys(name: str) -> list[str]:
    """Every property name the JSON Schema ``name`` mentions, at any depth."""
    with open(ROOT / "readycheck" / "schemas" / f"{name}.schema.json", encoding="utf-8") as fh:
        schema = json.load(fh)
    keys: set[str] = set()

    def visit(node: Any) -> None:
        if isinstance(node, dict):
            if isinstance(node.get("properties"), dict):
                keys.update(node["properties"])
            for v in node.values():
                visit(v)
        elif isinstance(node, list):
            for v in node:
                visit(v)

    visit(schema)
    return sorted(keys)


CONFIG_KEYS = _schema_keys("config")
CHECK_KEYS = _schema_keys("check")

# Values the real configuration and specs use, so that examples get past the first schema error.
_REAL_WORDS = [
    "high", "critical", "medium", "low", "info", "no-go", "warn", "never", "RC0101", "RC1001",
    "rate-limits", "secrets", "2027-01-31", "2027-02-31", "prod", "repo", "cloud", "active",
    "python", "javascript", "**/*.py", "..", "/etc", "~", "x" * 3, "",
]

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=20),
    st.sampled_from(_REAL_WORDS),
)


def keys_from(names: list[str]) -> st.SearchStrategy[Any]:
    return st.one_of(
        st.sampled_from(names),
        st.sampled_from(names).map(lambda k: k.replace("_", "-")),
        st.text(max_size=12),
        st.integers(min_value=-5, max_value=5),
    )


def yaml_data(names: list[str], max_leaves: int = 25) -> st.SearchStrategy[Any]:
    """Recursive dicts / lists / scalars whose keys are drawn from ``names`` and at random."""
    return st.recursive(
        scalars,
        lambda children: st.one_of(
            st.lists(children, max_size=4),
            st.dictionaries(keys_from(names), children, max_size=5),
        ),
        max_leaves=max_leaves,
    )


def config_data() -> st.SearchStrategy[dict[Any, Any]]:
    return st.dictionaries(keys_from(CONFIG_KEYS), yaml_data(CONFIG_KEYS), max_size=6)


def dump_yaml(data: Any) -> str:
    """YAML text of ``data``; objects PyYAML cannot represent become their repr."""
    try:
        return yaml.safe_dump(data, allow_unicode=True, sort_keys=False)
    except yaml.YAMLError:
        return repr(data)


# YAML-ish text: random characters mixed with YAML's syntax, tags included (!!python/object...).
_YAML_TOKENS = [
    ":", ": ", "- ", "\n", "  ", "[", "]", "{", "}", ",", "&a ", "*a", "<<: *a", "!!python/object:os.system ",
    "!!python/name:os.system", "!Ref ", "!!binary ", "? ", "|", ">", "'", '"', "#", "---\n", "...\n",
    "%YAML 1.1\n", "%TAG ! tag:x,2000:\n", "\t", "\x00", "\ufeff", "2027-02-31", "1e400", ".nan", "0x1F",
    "select", "severity", "profiles", "params", "suppress", "expires", "reason", "check", "cloud",
]
yaml_text = st.one_of(
    st.text(max_size=200),
    st.lists(st.one_of(st.sampled_from(_YAML_TOKENS), st.text(max_size=6)), max_size=40).map("".join),
)

_TOML_TOKENS = [
    "[tool.readycheck]\n", "[tool]\n", "[[tool.readycheck.suppress]]\n", "tool = ", "readycheck = ", " = ", "\n",
    "[", "]", "{", "}", ",", '"', "'", '"""', "1979-05-27", "1979-05-27T07:32:00Z", "nan", "inf", "-inf",
    "1e400", "0x1F", "true", "select", "max-file-size", "check_timeout", "severity", "profiles", ".", "#",
]
toml_text = st.one_of(
    st.text(max_size=200),
    st.lists(st.one_of(st.sampled_from(_TOML_TOKENS), st.text(alphabet=string.printable, max_size=6)), max_size=40).map("".join),
)

# Code-ish text for the language parsers.
_CODE_TOKENS = [
    "def ", "class ", "async ", "await ", "lambda ", "import ", "from ", "requests.get(", "openai.", "(", ")",
    "[", "]", "{", "}", ":", "\n", "    ", "\t", "=", "==", "+", "*", "**", "'", '"', '"""', "f'", "#", "\\",
    "while True:", "try:", "except", "retry", "timeout=", "1e400", "0", "x", "function ", "=>", "const ",
    "let ", "`", "${", "/*", "*/", "//", "resource ", '"aws_s3_bucket" ', "{\n", "}\n", "<<EOF\n", "EOF\n",
    "${var.x}", "%{", "# ", "## ", "```", "~~~", "===", "---", "\x00", "\ufeff", "\r", "\u2028",
]
code_text = st.one_of(
    st.text(max_size=300),
    st.lists(st.one_of(st.sampled_from(_CODE_TOKENS), st.text(max_size=5)), max_size=60).map("".join),
)
