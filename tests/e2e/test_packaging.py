"""The wheel as a user gets it: built, installed into a fresh virtual environment, run from
another directory. Slow (a real pip install), so it runs once per suite."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path

import pytest

from tests.conftest import ROOT, SAMPLES, init_repo

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    work = tmp_path_factory.mktemp("pkg")
    dist = work / "dist"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(dist), str(ROOT)],
        check=True, capture_output=True, text=True,
    )
    wheels = list(dist.glob("readycheck-*.whl"))
    assert len(wheels) == 1
    env_dir = work / "venv"
    venv.EnvBuilder(with_pip=True).create(env_dir)
    py = env_dir / "bin" / "python"
    proc = subprocess.run([str(py), "-m", "pip", "install", "-q", str(wheels[0])], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return env_dir


def _site_packages(env_dir: Path) -> Path:
    return next((env_dir / "lib").glob("python3*/site-packages"))


def test_wheel_ships_the_pack_and_schemas_and_no_checks_module(installed: Path) -> None:
    site = _site_packages(installed)
    assert not (site / "checks").exists()
    assert (site / "readycheck" / "_checks" / "retries" / "RC0601-retry-policy.yaml").is_file()
    for name in ("report", "config", "check"):
        assert (site / "readycheck" / "schemas" / f"{name}.schema.json").is_file()
    assert (site / "readycheck" / "py.typed").is_file()
    record = next(site.glob("readycheck-*.dist-info/RECORD")).read_text().splitlines()
    assert not [line for line in record if line.startswith("checks/")]
    assert {line.split("/")[0] for line in record if not line.startswith("..")} == {"readycheck", next(site.glob("readycheck-*.dist-info")).name}


def test_installed_cli_audits_samples_from_another_directory(installed: Path, tmp_path: Path) -> None:
    exe = installed / "bin" / "readycheck"
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    nogo = tmp_path / "quickbot-nogo"
    shutil.copytree(SAMPLES / "quickbot-nogo", nogo)
    proc = subprocess.run([str(exe), "audit", str(nogo), "--no-color"], cwd=elsewhere, capture_output=True, text=True, env=env)
    assert proc.returncode == 1, proc.stderr
    assert "NO-GO" in proc.stdout and "Is there a hard limit on spend?" in proc.stdout
    go = init_repo(shutil.copytree(SAMPLES / "support-agent-go", tmp_path / "support-agent-go"), tags=("v1.4.1", "v1.4.2"))
    proc = subprocess.run([str(exe), "audit", str(go), "--format", "json"], cwd=elsewhere, capture_output=True, text=True, env=env)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr
    report = json.loads(proc.stdout)
    schema = subprocess.run([str(exe), "schema", "report"], cwd=elsewhere, capture_output=True, text=True, env=env, check=True).stdout
    import jsonschema

    jsonschema.Draft202012Validator(json.loads(schema)).validate(report)
    assert report["verdict"] == "GO"
    proc = subprocess.run([str(exe), "checks", "list"], cwd=elsewhere, capture_output=True, text=True, env=env, check=True)
    assert "covering checklist items 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13" in proc.stdout
