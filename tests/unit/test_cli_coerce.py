"""The plain coercion of command-line values gives what typer's own coercion gives, without pydantic."""

from __future__ import annotations

import subprocess
import sys
from enum import Enum
from pathlib import Path
from typing import List, Optional

import pytest
import typer

from readycheck._cli_coerce import plain_coercion, plain_converter
from tests.conftest import ROOT


class _Fmt(str, Enum):
    text = "text"
    json = "json"


class _Level(Enum):
    low = "low"
    high = "high"


def _probe_app(seen: dict[str, object]) -> typer.Typer:
    app = typer.Typer()

    @app.command()
    def run(
        path: Path = typer.Argument(Path(".")),
        name: Optional[str] = typer.Option(None, "--name"),
        tags: Optional[List[str]] = typer.Option(None, "--tag"),
        outs: Optional[List[Path]] = typer.Option(None, "--out"),
        flag: bool = typer.Option(False, "--flag", envvar="PROBE_FLAG"),
        count: int = typer.Option(3, "--count"),
        fmt: _Fmt = typer.Option(_Fmt.text, "--format"),
        level: Optional[_Level] = typer.Option(None, "--level", case_sensitive=False),
    ) -> None:
        seen.update(path=path, name=name, tags=tags, outs=outs, flag=flag, count=count, fmt=fmt, level=level)

    return app


def _parse(args: list[str], plain: bool) -> dict[str, object]:
    seen: dict[str, object] = {}
    command = typer.main.get_command(_probe_app(seen))
    if plain:
        with plain_coercion() as installed:
            assert installed, "this typer has no coercion hook: the plain path is not exercised"
            command.main(args=args, standalone_mode=False)
    else:
        command.main(args=args, standalone_mode=False)
    return seen


@pytest.mark.parametrize(
    "args",
    [
        [],
        ["repo", "--name", "x", "--tag", "a", "--tag", "b,c", "--out", "r.json", "--out", "r.sarif", "--flag", "--count", "7"],
        ["--name", "", "--tag", "ünïcode"],
        ["--format", "json", "--level", "HIGH"],
    ],
)
def test_same_values_as_typer(args: list[str]) -> None:
    ours, theirs = _parse(args, plain=True), _parse(args, plain=False)
    assert ours == theirs
    assert {k: type(v) for k, v in ours.items()} == {k: type(v) for k, v in theirs.items()}


def test_a_value_outside_an_enums_choices_is_refused_as_before() -> None:
    from typer._click.exceptions import BadParameter

    for plain in (True, False):
        with pytest.raises(BadParameter, match="yaml"):
            _parse(["--format", "yaml"], plain=plain)


def test_boolean_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PROBE_FLAG", "yes")
    assert _parse([], plain=True)["flag"] is True
    monkeypatch.setenv("PROBE_FLAG", "maybe")
    from typer._click.exceptions import BadParameter

    with pytest.raises(BadParameter, match="not a valid boolean"):
        _parse([], plain=True)


def test_other_annotations_keep_typers_way() -> None:
    assert plain_converter(int) is None
    assert plain_converter(Optional[List[int]]) is None
    assert plain_converter(Path, typer.models.OptionInfo(exists=True)) is None
    assert plain_converter(Path, typer.models.OptionInfo(resolve_path=True)) is None
    assert plain_converter(Optional[Path], typer.models.OptionInfo()) is Path
    assert plain_converter(Optional[List[str]])(("a", "b")) == ["a", "b"]  # type: ignore[misc]


def test_hook_is_removed_after_the_block() -> None:
    from typer import core

    before = core._TyperParameter.get_runtime_param
    with plain_coercion():
        assert core._TyperParameter.get_runtime_param is not before
    assert core._TyperParameter.get_runtime_param is before


def test_a_hook_run_does_not_import_pydantic(tmp_path: Path) -> None:
    import git

    repo = git.Repo.init(tmp_path)
    (tmp_path / "app.py").write_text("import os\nKEY = os.environ['KEY']\n")
    repo.index.add(["app.py"])
    code = (
        "import sys\nfrom readycheck.cli import main\n"
        "try:\n    main(['audit', '--staged', '--quiet', '--no-color', '--no-cache', sys.argv[1]])\n"
        "except SystemExit as exc:\n    code = exc.code\n"
        "print('pydantic' in sys.modules, code)"
    )
    proc = subprocess.run([sys.executable, "-c", code, str(tmp_path)], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert proc.stdout.strip().splitlines()[-1] == "False 0", proc.stdout[-2000:] + proc.stderr[-2000:]


def test_an_enum_option_does_not_import_pydantic() -> None:
    code = (
        "import contextlib, io, json, sys\nfrom readycheck.cli import main\nout = io.StringIO()\n"
        "with contextlib.redirect_stdout(out):\n"
        "    try:\n        main(['checks', 'list', '--format', 'json'])\n"
        "    except SystemExit as exc:\n        code = exc.code\n"
        "print('pydantic' in sys.modules, code, len(json.loads(out.getvalue())) > 40)"
    )
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert proc.stdout.strip().splitlines()[-1] == "False 0 True", proc.stdout[-2000:] + proc.stderr[-2000:]
