"""Generate a large, realistic agent monorepo for scale benchmarks.

    python benchmarks/gen_monorepo.py DEST --files 20000 [--history 3000] [--seed 1]

The tree mixes Python, TypeScript, YAML (Kubernetes, CI), Terraform, Jupyter notebooks (JSON
with outputs, a base64 image among them), lock files (package-lock.json, poetry.lock), vendored
folders that readycheck skips (node_modules/, vendor/), Markdown docs, `.env` files, a few large
files (a 5 MB JSON, over readycheck's 2 MB limit, and a 1 MB minified JS under it) and a few
planted fake secrets, assembled at run time from tests/fakes.py (no literal key in this file).
``--files`` counts the files of the tree proper; the vendored folders add about 5% on top.

The same seed gives the same tree. 80,000 files take a few seconds: the contents are formatted
from a handful of templates (those of bench_audit.py plus the kinds above) and written with
plain ``open().write``. ``--history N`` makes DEST a git repository of N commits built with
``git fast-import`` (the whole tree first, then commits that add and modify files, one of which
adds a secret that a later one removes); the work tree then matches HEAD.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import random
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(ROOT / "tests"))

from bench_audit import JSON, MD, PY, TF, TS, YAML  # noqa: E402
import fakes  # noqa: E402

PY_EXTRA = '''

def extra_{i}_{k}(payload: dict[str, object]) -> dict[str, object]:
    """Normalise one tool payload ({k})."""
    out = {{key.lower(): value for key, value in payload.items() if value is not None}}
    if "timeout" not in out:
        out["timeout"] = 30
    return out
'''
TS_EXTRA = '''
export function extra{i}_{k}(input: Record<string, unknown>): Record<string, unknown> {{
  const out: Record<string, unknown> = {{}};
  for (const [key, value] of Object.entries(input)) if (value !== undefined) out[key.toLowerCase()] = value;
  return out;
}}
'''
CI = '''name: ci-{i}
on: [push, pull_request]
jobs:
  test:
    runs-on: ubuntu-latest
    timeout-minutes: 20
    steps:
      - uses: actions/checkout@v4
      - uses: actions/setup-python@v5
        with: {{python-version: "3.12"}}
      - run: pip install -e . && pytest -q
'''
NB_CELL_SRC = ["import pandas as pd\n", "df = pd.read_csv('runs_{i}.csv')\n", "df.describe()\n"]


def notebook(i: int, image: str) -> str:
    cells = [
        {"cell_type": "markdown", "metadata": {}, "source": [f"# Evaluation run {i}\n", "Latency and cost per prompt.\n"]},
        {"cell_type": "code", "execution_count": 1, "metadata": {}, "source": [s.format(i=i) for s in NB_CELL_SRC],
         "outputs": [{"output_type": "execute_result", "execution_count": 1, "metadata": {},
                      "data": {"text/plain": [f"       latency_ms   cost_usd\ncount  {1000 + i}   {1000 + i}\nmean   812.{i % 10}   0.0031\n"]}}]},
        {"cell_type": "code", "execution_count": 2, "metadata": {}, "source": ["df.plot()\n"],
         "outputs": [{"output_type": "stream", "name": "stdout", "text": [f"plotted {i}\n"]},
                     {"output_type": "display_data", "metadata": {}, "data": {"image/png": image, "text/plain": ["<Figure>"]}}]},
    ]
    return json.dumps({"cells": cells, "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3"}},
                       "nbformat": 4, "nbformat_minor": 5}, indent=1) + "\n"


def package_lock(name: str, packages: list[tuple[str, str, str]]) -> str:
    entries = {"": {"name": name, "version": "1.0.0"}}
    for pkg, version, integrity in packages:
        entries[f"node_modules/{pkg}"] = {"version": version, "resolved": f"https://registry.npmjs.org/{pkg}/-/{pkg}-{version}.tgz",
                                          "integrity": f"sha512-{integrity}"}
    return json.dumps({"name": name, "version": "1.0.0", "lockfileVersion": 3, "requires": True, "packages": entries}, indent=2) + "\n"


def poetry_lock(packages: list[tuple[str, str, str]]) -> str:
    out = []
    for pkg, version, digest in packages:
        out.append(f'[[package]]\nname = "{pkg}"\nversion = "{version}"\ndescription = "{pkg} library"\noptional = false\n'
                   f'python-versions = ">=3.8"\nfiles = [\n    {{file = "{pkg}-{version}-py3-none-any.whl", hash = "sha256:{digest}"}},\n]\n')
    out.append('[metadata]\nlock-version = "2.0"\npython-versions = "^3.11"\ncontent-hash = "' + "0f" * 32 + '"\n')
    return "\n".join(out)


# (kind, weight): the share of each kind of file in the tree proper
KINDS = [("py", 40), ("ts", 20), ("yaml", 8), ("ci", 1), ("tf", 5), ("md", 10), ("json", 8), ("ipynb", 3), ("env", 0.3)]


def secrets_for(seed: int) -> list[tuple[str, str]]:
    """(relative path, content) of the planted fake secrets."""
    s = str(seed)
    return [
        ("services/billing/config/settings.py",
         f'AWS_ACCESS_KEY_ID = "{fakes.aws_key_id("m1" + s)}"\nAWS_SECRET_ACCESS_KEY = "{fakes.aws_secret("m2" + s)}"\n'),
        ("services/agent/.env", f"OPENAI_API_KEY={fakes.openai_project_key('m3' + s)}\nLOG_LEVEL=info\n"),
        ("packages/web/src/deploy.ts", f'export const token = "{fakes.github_token("m4" + s)}";\n'),
        ("notebooks/scratch/leak.ipynb", json.dumps({"cells": [{"cell_type": "code", "execution_count": 1, "metadata": {},
         "source": [f"openai.api_key = '{fakes.openai_project_key('m5' + s)}'\n"], "outputs": []}],
         "metadata": {}, "nbformat": 4, "nbformat_minor": 5}, indent=1) + "\n"),
        ("infra/terraform/prod/provider.tf",
         f'provider "aws" {{\n  region     = "eu-west-1"\n  access_key = "{fakes.aws_key_id("m6" + s)}"\n'
         f'  secret_key = "{fakes.aws_secret("m7" + s)}"\n}}\n'),
    ]


class Writer:
    """Writes files under a root, creating each directory once; remembers what it wrote."""

    def __init__(self, root: Path, keep: bool) -> None:
        self.root = str(root)
        self.dirs: set[str] = set()
        self.count = 0
        self.contents: dict[str, bytes] | None = {} if keep else None

    def write(self, rel: str, text: str) -> None:
        folder = rel.rpartition("/")[0]
        if folder and folder not in self.dirs:
            os.makedirs(os.path.join(self.root, folder), exist_ok=True)
            self.dirs.add(folder)
        data = text.encode()
        with open(os.path.join(self.root, rel), "wb") as fh:
            fh.write(data)
        self.count += 1
        if self.contents is not None and not rel.startswith("node_modules/"):
            self.contents[rel] = data


def generate(dest: Path, n_files: int, seed: int = 1, keep_contents: bool = False) -> Writer:
    """Write the tree; returns the Writer (with every committed file's bytes if keep_contents)."""
    rng = random.Random(seed)
    dest.mkdir(parents=True, exist_ok=True)
    w = Writer(dest, keep_contents)
    n_services = max(4, n_files // 400)
    n_packages = max(2, n_files // 800)
    images = [base64.b64encode(rng.randbytes(6000)).decode() for _ in range(4)]
    npm = [(f"pkg-{k}", f"{rng.randint(0, 9)}.{rng.randint(0, 30)}.{rng.randint(0, 9)}", base64.b64encode(rng.randbytes(64)).decode())
           for k in range(600)]
    pypi = [(f"lib{k}", f"{rng.randint(0, 9)}.{rng.randint(0, 30)}.{rng.randint(0, 9)}", rng.randbytes(32).hex()) for k in range(400)]

    fixed = [
        (".gitignore", "node_modules/\n__pycache__/\n.readycheck-cache/\n"),
        ("README.md", "# Agent platform\n\nMonorepo of the agent services.\n" + MD.format(i=0)),
        ("RUNBOOK.md", "# Runbook\n## Failure modes\n## Escalation\n## Recovery\n## Post-mortem\n"),
        ("pyproject.toml", '[project]\nname = "agent-platform"\nversion = "1.0.0"\nrequires-python = ">=3.11"\n'
                           'dependencies = ["openai>=1.0", "tenacity>=8"]\n'),
        ("package.json", '{"name": "agent-platform", "private": true, "workspaces": ["packages/*"]}\n'),
    ]
    for k in range(n_services):
        fixed.append((f"services/svc{k}/poetry.lock", poetry_lock(rng.sample(pypi, 60))))
        fixed.append((f"services/svc{k}/pyproject.toml", f'[project]\nname = "svc{k}"\nversion = "0.{k}.0"\n'))
    for k in range(n_packages):
        fixed.append((f"packages/pkg{k}/package-lock.json", package_lock(f"pkg{k}", rng.sample(npm, 150))))
        fixed.append((f"packages/pkg{k}/package.json", f'{{"name": "pkg{k}", "version": "1.0.{k}"}}\n'))
    # large files: a 5 MB JSON data dump (over the 2 MB limit) and a 1 MB minified bundle (under it)
    rows = ",".join(f'{{"id":{j},"score":{(j * 7919) % 1000 / 1000},"label":"r{j % 97}"}}' for j in range(120_000))
    fixed.append(("data/eval/results.json", '{"rows":[' + rows + "]}\n"))
    js = ";".join(f"function f{j}(a,b){{return a*{j}+b}}var v{j}=f{j}({j},{j % 13})" for j in range(26_000))
    fixed.append(("packages/web/dist-public/bundle.min.js", js[:1_000_000] + "\n"))
    fixed.extend(secrets_for(seed))

    body = n_files - len(fixed)
    names = [k for k, _ in KINDS]
    weights = [wt for _, wt in KINDS]
    for i, kind in enumerate(rng.choices(names, weights=weights, k=max(0, body))):
        if kind == "py":
            text = PY.format(i=i) + "".join(PY_EXTRA.format(i=i, k=k) for k in range(i % 4))
            rel = f"services/svc{i % n_services}/src/svc{i % n_services}/m{i % 9}/f{i}.py"
            if (i // n_services) % 5 == 0:
                rel = f"services/svc{i % n_services}/tests/test_f{i}.py"
        elif kind == "ts":
            text = TS.format(i=i) + "".join(TS_EXTRA.format(i=i, k=k) for k in range(i % 3))
            rel = f"packages/pkg{i % n_packages}/src/c{i % 11}/f{i}.ts"
        elif kind == "yaml":
            rel = f"deploy/k8s/{['dev', 'staging', 'prod'][i % 3]}/svc{i % n_services}/f{i}.yaml"
            text = YAML.format(i=i)
        elif kind == "ci":
            rel, text = f"services/svc{i % n_services}/.ci/f{i}.yml", CI.format(i=i)
        elif kind == "tf":
            rel, text = f"infra/terraform/{['dev', 'staging', 'prod'][i % 3]}/m{i % 13}/f{i}.tf", TF.format(i=i)
        elif kind == "md":
            rel, text = f"docs/{['guides', 'adr', 'runbooks', 'api'][i % 4]}/f{i}.md", MD.format(i=i)
        elif kind == "json":
            rel, text = f"services/svc{i % n_services}/config/f{i}.json", JSON.format(i=i)
        elif kind == "ipynb":
            rel, text = f"notebooks/eval{i % 17}/run{i}.ipynb", notebook(i, images[i % 4])
        else:
            rel, text = f"services/svc{i % n_services}/.env.example{i}", f"MODEL=gpt-4o-mini\nTIMEOUT={i % 60}\nAPI_KEY=changeme\n"
        w.write(rel, text)
    for rel, text in fixed:
        w.write(rel, text)
    # vendored folders (skipped by readycheck): about 5% on top
    n_vendor = max(20, n_files // 20)
    for j in range(n_vendor // 2):
        w.write(f"node_modules/dep{j % 50}/lib/v{j}.js", f"module.exports = function v{j}(a) {{ return a + {j} }}\n")
    for j in range(n_vendor - n_vendor // 2):
        w.write(f"services/svc0/vendor/lib{j % 30}/v{j}.py", f"def v{j}(a):\n    return a + {j}\n")
    return w


def git_env() -> dict[str, str]:
    return {**os.environ, "GIT_AUTHOR_NAME": "Dev", "GIT_AUTHOR_EMAIL": "dev@example.com",
            "GIT_COMMITTER_NAME": "Dev", "GIT_COMMITTER_EMAIL": "dev@example.com", "GIT_CONFIG_NOSYSTEM": "1"}


def make_history(dest: Path, w: Writer, n_commits: int, seed: int) -> None:
    """Make DEST a git repository: commit 1 is the whole tree, then ``n_commits - 1`` commits that
    add or modify 1-4 files each; the work tree is brought to HEAD and the index refreshed."""
    assert w.contents is not None
    rng = random.Random(seed + 1000)
    env = git_env()
    subprocess.run(["git", "init", "-q", "-b", "main", str(dest)], check=True, env=env)
    chunks: list[bytes] = []
    t0 = 1_700_000_000

    def commit(n: int, msg: str, changes: list[tuple[str, bytes | None]]) -> None:
        m = msg.encode()
        head = (f"commit refs/heads/main\nmark :{n}\nauthor Dev <dev@example.com> {t0 + n * 3600} +0000\n"
                f"committer Dev <dev@example.com> {t0 + n * 3600} +0000\ndata {len(m)}\n").encode()
        chunks.append(head + m + b"\n")
        if n > 1:
            chunks.append(f"from :{n - 1}\n".encode())
        for rel, data in changes:
            if data is None:
                chunks.append(f"D {rel}\n".encode())
            else:
                chunks.append(f"M 100644 inline {rel}\ndata {len(data)}\n".encode() + data + b"\n")
        chunks.append(b"\n")

    commit(1, "initial import", sorted(w.contents.items()))
    paths = sorted(p for p in w.contents if p.endswith((".py", ".ts", ".md", ".yaml")))
    final: dict[str, bytes | None] = {}
    leak_add, leak_del = max(2, n_commits // 3), max(3, n_commits // 3 + 5)
    leak_rel = "services/svc1/src/settings_local.py"
    for n in range(2, n_commits + 1):
        changes: list[tuple[str, bytes | None]] = []
        if n == leak_add:
            changes.append((leak_rel, f'GITHUB_TOKEN = "{fakes.github_token("hist" + str(seed))}"\n'.encode()))
        elif n == leak_del:
            changes.append((leak_rel, None))
        for _ in range(rng.randint(1, 4)):
            if rng.random() < 0.3:
                k = rng.randrange(1_000_000)
                rel = f"services/svc{k % 7}/src/new/h{n}_{k}.py"
                data = PY.format(i=k).encode()
            else:
                rel = rng.choice(paths)
                base = final.get(rel) or w.contents[rel]
                data = base + f"\n# change {n}\n".encode()
            changes.append((rel, data))
        for rel, data in changes:
            final[rel] = data
        commit(n, f"change {n}", changes)
    chunks.append(b"done\n")
    subprocess.run(["git", "fast-import", "--quiet", "--done"], cwd=dest, input=b"".join(chunks), check=True, env=env)
    for rel, data in final.items():  # the work tree as at HEAD
        path = dest / rel
        if data is None:
            path.unlink(missing_ok=True)
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
    subprocess.run(["git", "reset", "-q"], cwd=dest, check=True, env=env)
    subprocess.run(["git", "update-index", "-q", "--refresh"], cwd=dest, check=False, env=env)


def build(dest: Path, n_files: int, seed: int = 1, history: int = 0) -> dict[str, float | int]:
    """Generate the tree (and its history); returns timings and counts."""
    start = time.perf_counter()
    w = generate(dest, n_files, seed, keep_contents=history > 0)
    gen_s = time.perf_counter() - start
    hist_s = 0.0
    if history > 0:
        start = time.perf_counter()
        make_history(dest, w, history, seed)
        hist_s = time.perf_counter() - start
    return {"files": w.count, "generate_s": gen_s, "history_s": hist_s, "commits": history}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dest", type=Path)
    parser.add_argument("--files", type=int, default=20000)
    parser.add_argument("--history", type=int, default=0, help="make a git repository with this many commits")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    if args.dest.exists() and any(args.dest.iterdir()):
        parser.error(f"{args.dest} exists and is not empty")
    facts = build(args.dest, args.files, args.seed, args.history)
    print(f"{args.dest}: {facts['files']:,} files written in {facts['generate_s']:.2f}s"
          + (f"; {args.history:,} commits in {facts['history_s']:.2f}s" if args.history else ""))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
