"""Flows from untrusted sources to dangerous sinks, traced within a function (python_flows), and the
same records for JavaScript and TypeScript (js_flows)."""

from __future__ import annotations

import ast
import textwrap

import pytest
from tree_sitter import Parser

from readycheck.parsers.js_facts import JsFacts, _grammars_for, _language
from readycheck.parsers.js_facts import _Collector as _JsCollector
from readycheck.parsers.js_flows import extract_js_flows
from readycheck.parsers.python_facts import PythonFacts, _Collector
from readycheck.parsers.python_flows import Flow, describe_source, extract_flows


def flows(src: str) -> list[Flow]:
    """Parse once and run the collector the way parse_python does, then trace the flows."""
    tree = ast.parse(textwrap.dedent(src))
    collector = _Collector(PythonFacts())
    collector.prepass(tree)
    collector.visit(tree)
    return extract_flows(tree, collector.resolve)


def js_flows(src: str, filename: str = "tools.ts") -> list[Flow]:
    """Parse once and run the JS facts collector the way parse_js does, then trace the flows."""
    data = textwrap.dedent(src).encode()
    tree = Parser(_language(_grammars_for(filename)[0])).parse(data)
    collector = _JsCollector(data, JsFacts())
    collector.walk(tree.root_node)
    collector.finish()
    return extract_js_flows(tree.root_node, data, collector.resolve)


def sinks(found: list[Flow]) -> list[tuple[str, int]]:
    """Flows from sources known in the module (not records, not a plain function's parameters)."""
    return [(f.kind, f.line) for f in found if f.source in ("llm-output", "tool-argument", "request-input")]


def records(found: list[Flow], kind: str) -> list[Flow]:
    return [f for f in found if f.kind == kind]


# --- LLM output ---------------------------------------------------------------------------------------
def test_llm_output_through_an_assignment_chain_reaches_a_shell() -> None:
    found = flows(
        """
        import subprocess
        from openai import OpenAI
        client = OpenAI()

        def run(q):
            resp = client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": q}])
            text = resp.choices[0].message.content
            cmd = f"ls {text}"
            subprocess.run(cmd, shell=True)
            subprocess.run(["ls", "-l"], shell=False)
        """
    )
    assert sinks(found) == [("shell", 10)]
    flow = found[0]
    assert (flow.source, flow.source_line, flow.function, flow.sink) == ("llm-output", 7, "run", "subprocess.run")
    assert flow.detail == "subprocess.run(..., shell=True)"
    assert describe_source(flow) == "LLM output from line 7"


def test_tool_calls_loop_with_json_loads_reaches_os_system() -> None:
    found = flows(
        """
        import json, os
        from openai import OpenAI
        client = OpenAI()

        def loop(messages):
            resp = client.chat.completions.create(model="gpt-4o", messages=messages, tools=[])
            msg = resp.choices[0].message
            for tc in msg.tool_calls:
                args = json.loads(tc.function.arguments)
                if tc.function.name == "shell":
                    os.system(args["command"])
        """
    )
    assert sinks(found) == [("shell", 12)]
    assert found[0].source_line == 7  # the model call, not the line that reads the tool call


def test_tool_calls_read_from_a_response_passed_in_count_as_llm_output() -> None:
    found = flows(
        """
        import json
        def handle(tool_call):
            args = json.loads(tool_call.function.arguments)
            return eval(args["expression"])
        """
    )
    assert sinks(found) == [("eval", 5)]
    assert found[0].source == "llm-output" and found[0].source_line == 4


def test_unresolved_client_with_a_model_argument_is_an_llm_call() -> None:
    found = flows(
        """
        class Bot:
            def __init__(self, client):
                self.client = client
            def act(self, q):
                out = self.client.messages.create(model="claude", max_tokens=10, messages=[])
                exec(out.content[0].text)
        """
    )
    assert sinks(found) == [("eval", 7)]


def test_anthropic_tool_use_block_input() -> None:
    found = flows(
        """
        import anthropic, subprocess
        client = anthropic.Anthropic()
        def step(messages):
            resp = client.messages.create(model="claude", max_tokens=500, messages=messages)
            for block in resp.content:
                if block.type == "tool_use":
                    subprocess.run(block.input["cmd"], shell=True)
        """
    )
    assert sinks(found) == [("shell", 8)]


def test_langchain_chat_model_invoke_is_a_source() -> None:
    found = flows(
        """
        import os
        from langchain_openai import ChatOpenAI
        llm = ChatOpenAI(model="gpt-4o-mini")
        def go(q):
            reply = llm.invoke(q)
            os.popen("echo " + reply.content)
        """
    )
    assert sinks(found) == [("shell", 7)]


# --- tool arguments -------------------------------------------------------------------------------------
def test_langchain_tool_param_into_sql_f_string_but_not_parameterised_sql() -> None:
    found = flows(
        """
        import sqlite3
        from langchain_core.tools import tool
        db = sqlite3.connect("x.db")

        @tool
        def find(name: str) -> str:
            cur = db.cursor()
            cur.execute(f"SELECT * FROM customers WHERE name = '{name}'")
            cur.execute("SELECT * FROM customers WHERE name = ?", (name,))
            cur.execute("SELECT * FROM t WHERE a = '%s'" % name)
            cur.execute("SELECT * FROM t WHERE a = '{}'".format(name))
            q = "SELECT * FROM t WHERE a = '" + name + "'"
            cur.execute(q)
            return "ok"
        """
    )
    assert sinks(found) == [("sql", 9), ("sql", 11), ("sql", 12), ("sql", 14)]
    assert found[1].source == "tool-argument" and found[1].source_line == 7
    assert describe_source(found[1]) == "tool argument `name` (line 7)"
    assert [r.function for r in records(found, "tool")] == ["find"]


def test_sqlalchemy_text_and_pandas_read_sql() -> None:
    found = flows(
        """
        import pandas as pd
        from sqlalchemy import text
        from agents import function_tool

        @function_tool
        def report(table: str, engine=None):
            engine.execute(text(f"SELECT * FROM {table}"))
            return pd.read_sql(f"SELECT count(*) FROM {table}", engine)
        """
    )
    assert [k for k, _ in sinks(found)] == ["sql", "sql"]


def test_tuple_unpacking_and_percent_and_plus() -> None:
    found = flows(
        """
        import json, os
        from mcp.server.fastmcp import FastMCP
        mcp = FastMCP("x")

        @mcp.tool()
        def run(payload: str) -> str:
            cmd, cwd = json.loads(payload)
            first, second = cmd, "x"
            os.system("cd %s && " % cwd + first)
            return "ok"
        """
    )
    assert sinks(found) == [("shell", 10)]


def test_recognised_tool_registrations() -> None:
    found = flows(
        """
        import os
        from agents import function_tool
        from pydantic_ai import Agent, RunContext
        from mcp.server.fastmcp import FastMCP
        from llama_index.core.tools import FunctionTool
        from langchain_core.tools import BaseTool
        from langgraph.prebuilt import create_react_agent
        import autogen

        agent = Agent("openai:gpt-4o")
        mcp = FastMCP("x")
        proxy = autogen.UserProxyAgent("proxy")

        @function_tool
        def a(x: str): os.system(x)

        @agent.tool
        def b(ctx: RunContext[int], x: str): os.system(x)

        @mcp.tool()
        def c(x: str): os.system(x)

        def d(x: str): os.system(x)
        d_tool = FunctionTool.from_defaults(fn=d)

        class E(BaseTool):
            name = "e"
            def _run(self, x: str): os.system(x)

        @proxy.register_for_execution()
        def f(x: str): os.system(x)

        def g(x: str): os.system(x)
        graph = create_react_agent("openai:gpt-4o", tools=[g])

        def h(x: str): os.system(x)
        TOOLS = {"h": h}

        def not_a_tool(x: str): os.system(x)
        """
    )
    shells = [f for f in found if f.kind == "shell"]
    assert sorted(f.function or "" for f in shells if f.source == "tool-argument") == ["_run", "a", "b", "c", "d", "f", "g", "h"]
    assert [f.function for f in shells if f.source != "tool-argument"] == ["not_a_tool"]  # a plain parameter


def test_context_and_typed_parameters_are_not_sources() -> None:
    found = flows(
        """
        from typing import Literal
        from pydantic_ai import Agent, RunContext
        agent = Agent("openai:gpt-4o")

        @agent.tool
        def calc(ctx: RunContext[str], n: int, mode: Literal["a", "b"], flag: bool = False) -> str:
            eval(ctx.deps)
            eval(f"{n} + 1")
            return eval(mode)
        """
    )
    assert sinks(found) == []


def test_parameters_of_plain_functions_are_traced_for_registrations_elsewhere() -> None:
    found = flows("import os\ndef helper(cmd):\n    os.system(cmd)\nclass K:\n    def m(self, cmd):\n        os.system(cmd)\n")
    assert sinks(found) == []
    # a module-level function may be registered as a tool by another module: its flows are kept,
    # marked as coming from a plain parameter; methods and nested functions are not
    assert [(f.kind, f.line, f.source, f.function) for f in found] == [("shell", 3, "parameter", "helper")]


def test_registrations_of_imported_functions_are_recorded() -> None:
    found = flows(
        """
        from langgraph.prebuilt import create_react_agent
        from tools.reports import lookup_customer, run_report
        from .search import web_search

        TOOLS = {"run_report": run_report}
        agent = create_react_agent("openai:gpt-4o", tools=[lookup_customer, web_search])
        """
    )
    refs = [(f.line, f.detail) for f in records(found, "tool-ref")]
    assert refs == [(6, "tools.reports.run_report"), (7, ".search.web_search"), (7, "tools.reports.lookup_customer")]


def test_request_input() -> None:
    found = flows(
        """
        import os
        from flask import Flask, request
        app = Flask(__name__)

        @app.get("/run")
        def run():
            os.system(request.args["cmd"])
            return "ok"
        """
    )
    assert sinks(found) == [("shell", 8)]
    assert found[0].source == "request-input"


# --- sinks ----------------------------------------------------------------------------------------------
def test_subprocess_forms() -> None:
    found = flows(
        """
        import shlex, subprocess
        from langchain_core.tools import tool

        @tool
        def run(cmd: str, branch: str) -> str:
            subprocess.run(["git", "log", branch])
            subprocess.run(shlex.split(cmd))
            subprocess.run(["bash", "-c", cmd])
            subprocess.run([cmd, "--help"])
            subprocess.check_output(cmd)
            return "ok"
        """
    )
    assert sinks(found) == [("shell", 8), ("shell", 9), ("shell", 10), ("shell", 11)]


def test_deserialisation() -> None:
    found = flows(
        """
        import pickle, yaml
        from langchain_core.tools import tool

        @tool
        def load(blob: str) -> str:
            a = pickle.loads(blob.encode())
            b = yaml.load(blob)
            c = yaml.load(blob, Loader=yaml.SafeLoader)
            d = yaml.safe_load(blob)
            return "ok"
        """
    )
    assert sinks(found) == [("deserialize", 7), ("deserialize", 8)]


def test_paths_and_urls_without_a_check_are_flows_of_their_own_kind() -> None:
    found = flows(
        """
        import shutil, requests, httpx
        from pathlib import Path
        from langchain_core.tools import tool

        BASE = "https://api.example.com"

        @tool
        def files(path: str, url: str, user_id: str) -> str:
            open(path).read()
            Path(path).read_text()
            shutil.rmtree(path)
            requests.get(url)
            requests.get(f"https://api.example.com/users/{user_id}")
            httpx.get(f"{BASE}/users/{user_id}")
            requests.post("https://hooks.example.com", json={"u": url})
            return "ok"
        """
    )
    assert sinks(found) == [("path", 10), ("path", 11), ("path", 12), ("url", 13)]


# --- checks (allow-lists) --------------------------------------------------------------------------------------
def test_allow_list_checks_suppress_flows() -> None:
    found = flows(
        """
        import os, subprocess
        from pathlib import Path
        from urllib.parse import urlparse
        import httpx
        from langchain_core.tools import tool

        ROOT = Path("/srv").resolve()
        ALLOWED = {"status": ["git", "status"]}
        HOSTS = {"api.github.com"}

        @tool
        def git(name: str) -> str:
            if name not in ALLOWED:
                raise ValueError(name)
            return subprocess.run(ALLOWED[name], capture_output=True).stdout

        @tool
        def shell_exact(cmd: str) -> str:
            if cmd not in ("uptime", "df -h"):
                return "no"
            return os.popen(cmd).read()

        @tool
        def read(path: str) -> str:
            target = (ROOT / path).resolve()
            if not target.is_relative_to(ROOT):
                raise ValueError(path)
            return target.read_text()

        @tool
        def read_inside(path: str) -> str:
            p = (ROOT / path).resolve()
            if p.is_relative_to(ROOT):
                return p.read_text()
            return ""

        @tool
        def fetch(url: str) -> str:
            host = urlparse(url).hostname
            if host not in HOSTS:
                raise ValueError(host)
            return httpx.get(url).text
        """
    )
    assert sinks(found) == []
    assert records(found, "exposed-shell") == []


def test_prefix_and_deny_list_checks_do_not_clear_a_shell() -> None:
    found = flows(
        """
        import os
        from langchain_core.tools import tool

        @tool
        def run(cmd: str) -> str:
            if not cmd.startswith("ls"):
                raise ValueError(cmd)
            os.system(cmd)
            return "ok"

        @tool
        def run2(cmd: str) -> str:
            if "rm" in cmd:
                raise ValueError(cmd)
            os.system(cmd)
            return "ok"

        @tool
        def run3(cmd: str, other: str) -> str:
            if other in ("a", "b"):
                os.system(cmd)
            return "ok"
        """
    )
    assert sinks(found) == [("shell", 9), ("shell", 16), ("shell", 22)]


def test_a_positive_check_that_returns_does_not_guard_what_follows() -> None:
    found = flows(
        """
        import os
        from langchain_core.tools import tool

        @tool
        def run(cmd: str) -> str:
            if cmd in ("uptime",):
                return os.popen(cmd).read()
            os.system(cmd)
            return "ok"
        """
    )
    assert sinks(found) == [("shell", 9)]


def test_cleaning_calls() -> None:
    found = flows(
        """
        import os, shlex
        from langchain_core.tools import tool

        @tool
        def run(n: str, name: str) -> str:
            n = int(n)
            os.system(f"sleep {n}")
            os.system("grep " + shlex.quote(name) + " log.txt")
            return open(os.path.basename(name)).read()
        """
    )
    assert sinks(found) == []


# --- text that is not code ------------------------------------------------------------------------------------
def test_comments_strings_and_dead_code_never_count() -> None:
    found = flows(
        '''
        """Never eval( model output; no os.system either."""
        from openai import OpenAI
        client = OpenAI()
        DEBUG = False

        def reply(q):
            resp = client.chat.completions.create(model="m", messages=[])
            text = resp.choices[0].message.content
            # eval(text)
            note = "os.system(text)"
            if False:
                eval(text)
            return text
        '''
    )
    assert sinks(found) == []


# --- tool records ---------------------------------------------------------------------------------------------
def test_destructive_tools_need_an_approval_step() -> None:
    found = flows(
        """
        import shutil, stripe, smtplib
        from pathlib import Path
        from agents import function_tool
        from langchain_core.tools import tool
        ROOT = Path("/srv").resolve()

        @tool
        def wipe(name: str) -> str:
            target = (ROOT / name).resolve()
            if not target.is_relative_to(ROOT):
                raise ValueError(name)
            shutil.rmtree(target)
            return "ok"

        @tool
        def refund(pi: str) -> str:
            return stripe.Refund.create(payment_intent=pi).id

        @tool
        def mail(to: str) -> str:
            with smtplib.SMTP("localhost") as s:
                s.send_message(to)
            return "sent"

        @tool
        def wipe_confirmed(name: str) -> str:
            if not confirm(f"delete {name}?"):
                return "kept"
            shutil.rmtree(ROOT / "cache")
            return "ok"

        @function_tool(needs_approval=True)
        def refund_flagged(pi: str) -> str:
            return stripe.Refund.create(payment_intent=pi).id
        """
    )
    destructive = records(found, "destructive")
    assert [(f.function, f.line) for f in destructive] == [("wipe", 13), ("refund", 18), ("mail", 23)]
    assert "moves money (stripe.Refund.create)" in destructive[1].detail


def test_exposed_shells_and_file_systems() -> None:
    found = flows(
        """
        import subprocess
        from langchain_community.tools import ShellTool
        from langchain_community.agent_toolkits import FileManagementToolkit
        from mcp.server.fastmcp import FastMCP
        mcp = FastMCP("ops")

        shell = ShellTool()
        fs_all = FileManagementToolkit(root_dir="/")
        fs_home = FileManagementToolkit()
        fs_project = FileManagementToolkit(root_dir="/srv/project")

        @mcp.tool(name="run_shell")
        def terminal(c: str) -> str:
            return sandbox.execute(c)

        @mcp.tool()
        def build(target: str) -> str:
            cmd = make_command(target)
            return subprocess.run(cmd, shell=True).stdout

        @mcp.tool()
        def status() -> str:
            return subprocess.run(["git", "status"]).stdout
        """
    )
    assert [f.line for f in records(found, "exposed-shell")] == [8, 14, 20]
    assert [f.line for f in records(found, "exposed-filesystem")] == [9, 10]
    assert "run_shell" in records(found, "exposed-shell")[1].detail


def test_tool_records_list_every_tool() -> None:
    found = flows(
        """
        from langchain_core.tools import tool
        @tool
        def a(x: str) -> str:
            return x
        @tool("b_tool")
        def b(x: str) -> str:
            return x
        """
    )
    assert [(f.function, f.line, f.source) for f in records(found, "tool")] == [("a", 4, "tool"), ("b", 7, "tool")]
    assert records(found, "tool")[1].detail == "b() (@tool('b_tool'))"


# --- JavaScript and TypeScript ----------------------------------------------------------------------------------
def test_js_ai_sdk_tool_execute_into_exec_template() -> None:
    found = js_flows(
        """
        import { exec } from "node:child_process";
        import { promisify } from "node:util";
        import { tool } from "ai";
        import { z } from "zod";
        const run = promisify(exec);
        export const shell = tool({
          parameters: z.object({ command: z.string(), n: z.number() }),
          execute: async ({ command, n }) => {
            await run(`cd /w && ${command}`);
            exec(`sleep ${n}`);
            return "ok";
          },
        });
        """
    )
    assert sinks(found) == [("shell", 10)]
    assert found[1].source == "tool-argument" and found[1].source_line == 9 and found[1].function == "shell"
    assert [f.line for f in records(found, "tool")] == [7]


def test_js_llm_output_sql_and_urls() -> None:
    found = js_flows(
        """
        import OpenAI from "openai";
        const client = new OpenAI();
        export async function answer(db, sql) {
          const resp = await client.chat.completions.create({ model: "gpt-4o", messages: [] });
          for (const tc of resp.choices[0].message.tool_calls ?? []) {
            const args = JSON.parse(tc.function.arguments);
            await db.query(`SELECT * FROM users WHERE name = '${args.name}'`);
            await db.query(sql`SELECT * FROM users WHERE name = ${args.name}`);
            await db.query("SELECT * FROM users WHERE name = $1", [args.name]);
            await fetch(`https://api.example.com/users/${args.id}`);
            await fetch(args.url);
          }
        }
        """
    )
    assert sinks(found) == [("sql", 8), ("url", 12)]
    assert found[0].source == "llm-output" and found[0].source_line == 5


def test_js_mcp_handler_checks_and_destructive_tools() -> None:
    found = js_flows(
        """
        import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
        import { readFile, rm } from "node:fs/promises";
        import path from "node:path";
        const server = new McpServer({ name: "files", version: "1.0.0" });
        const ROOT = path.resolve("docs");
        const ALLOWED = ["a.md", "b.md"];
        server.tool("read_any", { p: z.string() }, async ({ p }) => ({ text: await readFile(p, "utf8") }));
        server.tool("read_doc", { p: z.string() }, async ({ p }) => {
          const full = path.resolve(ROOT, p);
          if (!full.startsWith(ROOT + path.sep)) throw new Error("outside");
          return { text: await readFile(full, "utf8") };
        });
        server.tool("read_listed", { p: z.string() }, async ({ p }) => {
          if (!ALLOWED.includes(p)) throw new Error("no");
          return { text: await readFile(p, "utf8") };
        });
        server.tool("remove", { p: z.string() }, async ({ p }) => {
          await rm(path.join(ROOT, path.basename(p)));
          return { text: "ok" };
        });
        server.tool("exec_command", { c: z.string() }, async ({ c }) => ({ text: await sandbox(c) }));
        """
    )
    assert sinks(found) == [("path", 8)]
    assert [f.line for f in records(found, "destructive")] == [19]
    assert [f.line for f in records(found, "exposed-shell")] == [22]
    assert len(records(found, "tool")) == 5


@pytest.mark.parametrize("code", ["eval(x)", "new Function('a', x)()", "require('child_process').execSync(x)"])
def test_js_eval_and_shell_sinks(code: str) -> None:
    found = js_flows(
        f"""
        import {{ tool }} from "ai";
        export const t = tool({{
          parameters: z.object({{ x: z.string() }}),
          execute: async ({{ x }}) => {{
            {code};
          }},
        }});
        """,
        "tools.js",
    )
    assert [k for k, _ in sinks(found)] in (["eval"], ["shell"])
