"""Minified or generated code is read as text (the secret scan still sees it) but not parsed."""

from __future__ import annotations

from pathlib import Path

from readycheck.index import build_index
from tests.conftest import cli
from tests.fakes import github_token


def _bundle(statements: int) -> str:
    return "".join(f"var a{i}=require('m{i}');a{i}.call({i});" for i in range(statements))


def test_a_one_line_bundle_is_not_parsed_and_says_why(tmp_path: Path) -> None:
    (tmp_path / "dist-public").mkdir()
    (tmp_path / "dist-public" / "bundle.min.js").write_text(_bundle(3000) + "\n")
    (tmp_path / "app.js").write_text("const OpenAI = require('openai');\nconst c = new OpenAI();\n")
    index = build_index(tmp_path)
    index.prepare()
    bundle = index.get("dist-public/bundle.min.js")
    assert bundle is not None and bundle.js is not None
    assert bundle.js.calls == [] and bundle.js.imports == []
    assert "minified or generated" in (bundle.js.error or "")
    app = index.get("app.js")
    assert app is not None and app.js is not None and app.js.imports, "ordinary code is still parsed"
    problems = {s.path: s.reason for s in index.parse_problems()}
    assert "read as text, not parsed as code" in problems["dist-public/bundle.min.js"]
    assert "app.js" not in problems


def test_long_but_ordinary_code_is_parsed(tmp_path: Path) -> None:
    body = "".join(f"def f{i}(x):\n    return x + {i}\n\n" for i in range(3000))
    (tmp_path / "big.py").write_text(body)
    index = build_index(tmp_path)
    facts = index.get("big.py").python  # type: ignore[union-attr]
    assert facts is not None and facts.error is None and len(facts.functions) == 3000


def test_a_secret_in_a_bundle_is_still_found(tmp_path: Path) -> None:
    key = github_token("bundle")
    (tmp_path / "bundle.js").write_text(_bundle(2000) + f"var t='{key}';" + _bundle(10) + "\n")  # minified, not named so
    code, out, _ = cli("audit", str(tmp_path), "--select", "RC0201", "--format", "json", "--no-cache")
    assert code == 1
    assert '"path": "bundle.js"' in out and key not in out
