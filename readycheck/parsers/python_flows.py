"""Where untrusted values go in one Python module, read from its AST the way a security reviewer
reads an agent: what the model wrote, the arguments a tool was called with, and what a web request
carried, followed through each function to the calls that run commands, evaluate code, build SQL,
touch files, fetch URLs or unpickle data.

    resp = client.chat.completions.create(...)     # LLM output (line 10)
    text = resp.choices[0].message.content         # still LLM output
    cmd = f"ls {text}"                             # still LLM output
    subprocess.run(cmd, shell=True)                # Flow(kind="shell", source="llm-output", source_line=10)

Tracing is intra-procedural and flow-insensitive within a function: a name is tainted when any
assignment in the function gives it a tainted value (assignment chains, attribute and subscript
access, f-strings, `%`, `.format`, `+`, `json.loads`, tuple unpacking, `for` targets,
comprehensions, `with ... as`, the walrus). Calls to unknown functions drop the taint; a method
called on a tainted value keeps it. `int()`, `shlex.quote()`, `os.path.basename()` and their kin
clean a value; `x = int(x)` cleans `x` for the lines after it.

Sources:

- `llm-output`: the result of a model call (the LLM tables of `readycheck.detectors.llm`, chat-model
  `.invoke()`, agent runs), and wherever a response's tool calls are read (`.tool_calls`,
  `.function.arguments`, a tool-use block's `.input`);
- `tool-argument`: the parameters of functions the model can call: functions decorated as tools
  (LangChain, OpenAI Agents SDK, CrewAI, Pydantic AI, MCP, smolagents, AutoGen, Semantic Kernel,
  Strands, Haystack), functions wrapped by a tool builder (`FunctionTool.from_defaults(fn=...)`,
  `StructuredTool.from_function`, `register_function`), functions listed in `tools=[...]`,
  functions in a tool registry dict (`TOOLS = {"search": search}`), dispatchers (`run_tool`), and
  `_run` / `_arun` / `forward` of tool classes (`BaseTool`, smolagents `Tool`). Parameters whose
  annotation admits no text (`int`, `bool`, `Literal[...]`) and context parameters (`RunContext`,
  `self`) are not sources;
- `request-input`: Flask's `request.args` and kin, Starlette/FastAPI `Request` bodies, and the
  parameters of route handlers.

Sinks (`kind`): `eval` (eval, exec, compile), `shell` (os.system, os.popen, subprocess with
`shell=True` or a tainted command or program, `["sh", "-c", ...]`, asyncio shells, paramiko),
`sql` (`.execute()` and kin on a database handle, `sqlalchemy.text`, `pandas.read_sql` with a
tainted query: parameters passed separately are fine), `deserialize` (pickle, dill, marshal,
jsonpickle, `yaml.load` without a safe loader), `path` (open, os/shutil file operations,
`Path.read_text()` and kin) and `url` (requests, httpx, aiohttp, urllib with a URL whose host is not
fixed by a literal prefix). A check of the tainted value before the sink (an allow-list: `in`,
`==`, and for paths and URLs also `startswith`, `is_relative_to`, `re.match`, a `validate_*()`
call) suppresses the flow; for shell, eval, SQL and deserialisation only exact checks (`in`,
`==`, `fullmatch`) count.

Besides flows, the list holds records about tools (`source == "tool"`):

- `kind="tool"`: a tool entry point (what was examined);
- `kind="exposed-shell"`: a tool that runs shell commands or code without a traced flow (its
  name says so, or its command is built at run time), or a shell/REPL tool class instantiated;
- `kind="exposed-filesystem"`: a file-system toolkit or MCP file-system server rooted at `/`, `~`
  or nowhere;
- `kind="destructive"`: a tool that deletes, pays or sends email with no approval step in its body
  (`confirm()`, `approve()`, `ask_human()`, `input()`, `ctx.elicit()`, LangGraph `interrupt()`)
  and no approval flag on its decorator (`requires_approval=True`, `needs_approval=True`);
- `kind="tool-ref"`: a function this module registers as a tool but imports from elsewhere
  (`TOOLS = {"run_report": run_report}`); `detail` is the name it resolves to
  (`tools.reports.run_report`).

A tool is often defined in one module and registered in another, which one module cannot see. So a
module-level function that calls something sink-like has its parameters traced as well: its flows
carry `source="parameter"` and its records `source="candidate"`, and the repository-wide reader
(`readycheck.detectors.code_permissions`) counts them once a `tool-ref` names the function.

Comments and strings never count (this reads the AST), and code under `if False:` or
`if TYPE_CHECKING:` is skipped.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field
from typing import Callable, Iterable, Iterator, Mapping, cast

from readycheck.parsers.pickling import compact_pickle

# `ast.unparse`, quicker for plain shapes; the fields of a node type that can hold code (skipping
# contexts and operators takes a third of the nodes out of every walk), computed once per type.
from readycheck.parsers.python_facts import _CODE_FIELDS, _code_fields, _unparse
from readycheck.parsers.qualnames import first_match

__all__ = [
    "Flow",
    "extract_flows",
    "SINK_KINDS",
    "FAIL_KINDS",
    "TOOL_RECORD_KINDS",
    "SOURCE_KINDS",
    "describe_source",
]


@compact_pickle
@dataclass(frozen=True, slots=True)
class Flow:
    """An untrusted value reaching a sink, or a record about a tool (`source == "tool"`)."""

    kind: str  # sink kind, or a tool record kind (see TOOL_RECORD_KINDS)
    sink: str  # resolved qualname of the sink call ("subprocess.run"), or the tool's registration
    line: int  # where the sink is (for records: the tool's `def`, or the call concerned)
    source: str  # "llm-output", "tool-argument", "request-input", "parameter"; "tool" or "candidate" for records
    source_line: int  # where the untrusted value enters (the model call, the parameter)
    function: str | None  # enclosing function; None at module level
    detail: str  # the sink as a reviewer would write it: "subprocess.run(..., shell=True)"
    origin: str = ""  # the source as written: "client.chat.completions.create()", "parameter `cmd`"


SINK_KINDS = ("shell", "eval", "sql", "deserialize", "path", "url")
FAIL_KINDS = frozenset({"shell", "eval", "sql", "deserialize"})
TOOL_RECORD_KINDS = ("tool", "exposed-shell", "exposed-filesystem", "destructive", "tool-ref")
# Sources of flows; "parameter" is a plain function's parameter, a tool argument only if the
# function is registered as a tool elsewhere. Records carry "tool" (or "candidate", likewise).
SOURCE_KINDS = ("llm-output", "tool-argument", "request-input", "parameter")

_SOURCE_WORDS = {"llm-output": "LLM output", "tool-argument": "tool argument", "request-input": "request input"}


def describe_source(flow: Flow) -> str:
    """How a flow's source reads in a note: "LLM output from line 12", "tool argument `cmd` (line 8)"."""
    word = _SOURCE_WORDS.get(flow.source, flow.source)
    if flow.source == "llm-output":
        return f"{word} from line {flow.source_line}"
    name = flow.origin.split("`")[1] if flow.origin.count("`") >= 2 else ""
    return f"{word} `{name}` (line {flow.source_line})" if name else f"{word} from line {flow.source_line}"


_Taint = tuple[str, int, str]  # (source kind, source line, origin as written)
_Resolve = Callable[[ast.AST], str]

# --- tables: sources ---------------------------------------------------------------------------------
_TOOL_DECORATORS = (
    "langchain_core.tools.tool", "langchain_core.tools.convert.tool", "langchain.tools.tool", "langchain.agents.tool",
    "langchain.tools.convert.tool", "agents.function_tool", "agents.tool.function_tool", "agents.decorators.tool", "crewai.tools.tool",
    "crewai.tool", "crewai_tools.tool", "pydantic_ai.Agent.tool", "pydantic_ai.Agent.tool_plain",
    "pydantic_ai.agent.Agent.tool", "pydantic_ai.agent.Agent.tool_plain", "pydantic_ai.toolsets.FunctionToolset.tool",
    "pydantic_ai.FunctionToolset.tool", "mcp.server.fastmcp.FastMCP.tool", "mcp.server.fastmcp.server.FastMCP.tool",
    "mcp.server.FastMCP.tool", "fastmcp.FastMCP.tool", "fastmcp.server.FastMCP.tool", "mcp.server.fastmcp.FastMCP.resource",
    "fastmcp.FastMCP.resource", "mcp.server.MCPServer.tool", "mcp.server.mcpserver.MCPServer.tool", "mcp.server.MCPServer.resource",
    "mcp.server.mcpserver.MCPServer.resource", "mcp.server.Server.call_tool", "mcp.server.lowlevel.Server.call_tool",
    "mcp.server.lowlevel.server.Server.call_tool", "smolagents.tool", "semantic_kernel.functions.kernel_function",
    "semantic_kernel.functions.kernel_function_decorator.kernel_function", "strands.tool", "haystack.tools.tool",
    "llama_index.core.tools.tool", "google.adk.tools.tool",
)
_TOOL_DECORATOR_TAILS = frozenset({"register_for_execution", "register_for_llm", "function_tool"})
# Calls that make a tool of a function given by name: pattern -> (positional index, keywords).
_TOOL_BUILDERS: dict[str, tuple[int, tuple[str, ...]]] = {
    "llama_index.core.tools.FunctionTool.from_defaults": (0, ("fn", "async_fn")),
    "llama_index.tools.FunctionTool.from_defaults": (0, ("fn", "async_fn")),
    "llama_index.core.tools.function_tool.FunctionTool.from_defaults": (0, ("fn", "async_fn")),
    "langchain_core.tools.StructuredTool.from_function": (0, ("func", "coroutine")),
    "langchain_core.tools.structured.StructuredTool.from_function": (0, ("func", "coroutine")),
    "langchain.tools.StructuredTool.from_function": (0, ("func", "coroutine")),
    "langchain_core.tools.Tool.from_function": (0, ("func", "coroutine")),
    "langchain_core.tools.Tool": (1, ("func", "coroutine")),
    "langchain.tools.Tool": (1, ("func", "coroutine")),
    "langchain.agents.Tool": (1, ("func", "coroutine")),
    "langchain_core.tools.tool": (0, ()),
    "autogen.register_function": (0, ("f",)),
    "autogen_core.tools.FunctionTool": (0, ("func",)),
    "google.adk.tools.FunctionTool": (0, ("func",)),
    "agents.function_tool": (0, ("func",)),
    "pydantic_ai.Tool": (0, ("function",)),
    "smolagents.tool": (0, ()),
    "mcp.server.fastmcp.FastMCP.add_tool": (0, ("fn",)),
    "fastmcp.FastMCP.add_tool": (0, ("fn",)),
    "crewai.tools.tool": (1, ()),
}
_TOOL_BUILDER_PATTERNS = tuple(_TOOL_BUILDERS)
_TOOL_LIST_CALL_TAILS = frozenset({"bind_tools", "ToolNode", "create_react_agent", "create_agent", "Toolset", "FunctionToolset"})
_TOOL_CLASS_BASES = {"BaseTool": ("_run", "_arun"), "Tool": ("forward", "_run", "_arun"), "StructuredTool": ("_run", "_arun")}
_TOOL_CLASS_MODULES = ("langchain", "langchain_core", "langchain_community", "crewai", "crewai_tools", "smolagents", "llama_index")
_DISPATCHER = re.compile(
    r"^_*(?:run|execute|exec|call|invoke|dispatch|handle|perform)_?(?:tool|function)(?:_?(?:call|use|request)s?)?$", re.I
)
_REGISTRY_NAME = re.compile(r"tool|function|handler|dispatch|action|command", re.I)
_ROUTE_DECORATOR_ROOTS = ("fastapi.FastAPI", "fastapi.APIRouter", "flask.Flask", "flask.Blueprint", "starlette", "quart.Quart")
_ROUTE_TAILS = frozenset({"get", "post", "put", "patch", "delete", "route", "api_route", "websocket"})
_CONTEXT_PARAMS = frozenset({"self", "cls", "run_manager", "callbacks", "config", "ctx", "context", "wrapper", "tool_context"})
_CONTEXT_TYPES = frozenset({
    "RunContext", "Context", "RunContextWrapper", "ToolContext", "CallbackManagerForToolRun", "AsyncCallbackManagerForToolRun",
    "RunnableConfig", "Request", "Response", "BackgroundTasks", "Session", "AsyncSession", "WebSocket", "InjectedState",
    "InjectedToolArg", "InjectedToolCallId", "InjectedStore", "ToolRuntime", "Depends", "Kernel", "ServerSession",
})
_SAFE_ANNOTATIONS = frozenset({
    "int", "float", "bool", "complex", "datetime", "date", "time", "timedelta", "UUID", "Decimal", "PositiveInt",
    "NonNegativeInt", "conint",
})
_CHAT_METHODS = (
    "invoke", "ainvoke", "predict", "apredict", "stream", "astream", "batch", "abatch", "generate", "agenerate",
    "complete", "acomplete", "chat", "achat", "call_as_llm",
)
_AGENT_METHODS = ("run", "run_sync", "arun", "invoke", "ainvoke", "kickoff", "kickoff_async", "generate_reply", "a_generate_reply")
_RUNNABLE_HOPS = re.compile(r"\.(with_structured_output|bind_tools|bind|with_retry|with_fallbacks|with_config|with_options|with_raw_response|with_streaming_response)(\(\))?(?=\.)")
_SDK_TAILS = (
    ".chat.completions.create", ".chat.completions.parse", ".responses.create", ".messages.create", ".messages.stream",
    ".models.generate_content", ".chat.complete", ".completions.create",
)
_REQUEST_ROOTS = ("fastapi.Request", "starlette.requests.Request", "flask.request", "quart.request", "django.http.HttpRequest", "aiohttp.web.Request")
_SOURCE_ATTRS = frozenset({"tool_calls", "arguments", "input", "args"})
_WEB_MODULES = frozenset({"flask", "fastapi", "starlette", "quart", "django", "aiohttp", "sanic", "litestar"})
_REQUEST_ATTRS = frozenset({
    "args", "form", "json", "values", "data", "files", "get_json", "query_params", "path_params", "body", "GET",
    "POST", "query", "match_info", "post", "text", "cookies", "headers",
})

# --- tables: propagation and cleaning ------------------------------------------------------------------
_PROPAGATORS = frozenset({
    "json.loads", "str", "bytes", "repr", "format", "dict", "list", "tuple", "set", "frozenset", "sorted", "reversed",
    "next", "iter", "enumerate", "zip", "map", "filter", "min", "max", "ast.literal_eval", "yaml.safe_load", "yaml.load",
    "base64.b64decode", "base64.urlsafe_b64decode", "base64.b64encode", "urllib.parse.unquote", "urllib.parse.unquote_plus",
    "urllib.parse.urljoin", "urllib.parse.urlparse", "urllib.parse.urlsplit", "os.path.join", "os.path.abspath",
    "os.path.realpath", "os.path.expanduser", "os.path.expandvars", "os.path.normpath", "os.path.dirname", "os.fspath",
    "pathlib.Path", "pathlib.PurePath", "pathlib.PosixPath", "pathlib.PurePosixPath", "pathlib.WindowsPath", "shlex.split",
    "textwrap.dedent", "textwrap.indent", "string.Template", "orjson.loads", "ujson.loads", "json5.loads", "copy.copy",
    "copy.deepcopy", "typing.cast", "cast",
})
_PROPAGATING_TAILS = frozenset({"model_validate", "model_validate_json", "parse_obj", "parse_raw", "from_dict", "validate_python", "validate_json"})
_SANITIZERS = frozenset({
    "int", "float", "bool", "complex", "len", "hash", "id", "isinstance", "callable", "type", "round", "abs", "ord",
    "shlex.quote", "pipes.quote", "os.path.basename", "werkzeug.utils.secure_filename", "uuid.UUID", "urllib.parse.quote",
    "urllib.parse.quote_plus", "html.escape", "hashlib.sha256", "hashlib.md5", "hashlib.sha1", "secrets.compare_digest",
    "decimal.Decimal", "datetime.date.fromisoformat", "datetime.datetime.fromisoformat", "ipaddress.ip_address",
})
_SANITIZER_NAME = re.compile(r"^_?(sanitize|sanitise|safe_|escape|quote|clean_|normalize_path|secure_)", re.I)
_BOOL_METHODS = frozenset({
    "startswith", "endswith", "isdigit", "isalnum", "isalpha", "isnumeric", "isdecimal", "isidentifier", "islower", "isupper",
    "count", "find", "rfind", "index", "rindex", "is_relative_to", "exists", "is_file", "is_dir", "is_absolute", "match",
    "fullmatch", "search", "__len__", "__contains__", "stat", "__eq__",
})

# --- tables: sinks -----------------------------------------------------------------------------------
_EVAL = frozenset({"eval", "exec", "compile", "builtins.eval", "builtins.exec", "builtins.compile"})
_SHELL_STRING = frozenset({
    "os.system", "os.popen", "commands.getoutput", "commands.getstatusoutput", "subprocess.getoutput",
    "subprocess.getstatusoutput", "asyncio.create_subprocess_shell", "pty.spawn",
})
_SUBPROCESS = frozenset({
    "subprocess.run", "subprocess.call", "subprocess.check_call", "subprocess.check_output", "subprocess.Popen",
    "asyncio.create_subprocess_exec", "os.execv", "os.execvp", "os.execvpe", "os.execve", "os.execl", "os.execlp",
    "os.spawnv", "os.spawnvp", "os.posix_spawn", "os.posix_spawnp", "anyio.run_process", "anyio.open_process",
    "trio.run_process", "sh.Command", "plumbum.local.__getitem__",
})
_SHELL_PROGRAMS = frozenset({
    "sh", "bash", "zsh", "dash", "ksh", "fish", "/bin/sh", "/bin/bash", "/usr/bin/bash", "/bin/zsh", "cmd", "cmd.exe",
    "powershell", "powershell.exe", "pwsh", "python", "python3", "node", "perl", "ruby",
})
_SHELL_FLAGS = frozenset({"-c", "/c", "/C", "-e", "-Command", "-command", "--command", "-lc", "-ic"})
_SQL_FUNCS = frozenset({
    "sqlalchemy.text", "sqlalchemy.sql.text", "sqlalchemy.sql.expression.text", "pandas.read_sql",
    "pandas.read_sql_query", "sqlmodel.text",
})
_SQL_METHODS = frozenset({
    "execute", "executemany", "executescript", "exec_driver_sql", "fetch", "fetchrow", "fetchval", "raw", "sql",
    "query", "mogrify", "run_sql",
})
_SQL_STRICT_METHODS = frozenset({"query", "sql", "fetch", "raw"})  # common names: only with SQL text in view
_DB_MODULES = (
    "sqlite3", "aiosqlite", "psycopg", "psycopg2", "asyncpg", "pymysql", "MySQLdb", "mysql", "sqlalchemy", "sqlmodel",
    "duckdb", "snowflake", "databases", "cx_Oracle", "oracledb", "pyodbc", "clickhouse_driver", "clickhouse_connect",
    "django.db", "peewee", "pyspark", "psycopg_pool", "aiomysql", "aiopg", "tortoise", "pymssql", "trino",
    "google.cloud.bigquery",
)
_DB_RECEIVER = re.compile(r"(^|[._])(cur|cursor|curs|conn|connection|con|db|database|engine|tx|transaction|pool|spark|duckdb|sqlite)s?($|[._\d])", re.I)
_SQL_TEXT = re.compile(r"\b(select\s+.+\s+from|insert\s+into|update\s+\S+\s+set|delete\s+from|drop\s+(table|database)|create\s+table|alter\s+table|truncate\s+|where\s+\S+\s*(=|like|in)|order\s+by|values\s*\()", re.I | re.S)
_DESERIALIZE = frozenset({
    "pickle.loads", "pickle.load", "_pickle.loads", "cPickle.loads", "dill.loads", "dill.load", "cloudpickle.loads",
    "marshal.loads", "jsonpickle.decode", "yaml.unsafe_load", "yaml.unsafe_load_all", "pandas.read_pickle",
    "joblib.load", "shelve.open",
})
_UNSAFE_YAML_LOADERS = frozenset({"Loader", "UnsafeLoader", "FullLoader", "CLoader", "CUnsafeLoader", "CFullLoader"})
_PATH_FUNCS = frozenset({
    "open", "io.open", "builtins.open", "codecs.open", "aiofiles.open", "os.open", "os.remove", "os.unlink", "os.rmdir",
    "os.removedirs", "os.rename", "os.renames", "os.replace", "os.listdir", "os.scandir", "os.walk", "os.makedirs",
    "os.mkdir", "os.chmod", "os.chown", "os.truncate", "os.symlink", "os.link", "shutil.rmtree", "shutil.move",
    "shutil.copy", "shutil.copy2", "shutil.copyfile", "shutil.copytree", "shutil.chown", "shutil.make_archive",
    "shutil.unpack_archive", "glob.glob", "glob.iglob", "zipfile.ZipFile", "tarfile.open", "aiofiles.os.remove",
    "flask.send_file", "fastapi.responses.FileResponse", "starlette.responses.FileResponse",
})
_PATH_METHODS = frozenset({
    "read_text", "write_text", "read_bytes", "write_bytes", "unlink", "rmdir", "touch", "mkdir", "iterdir", "rglob",
    "symlink_to", "hardlink_to", "open", "chmod", "rename",
})
_PATH_TWO_ARGS = frozenset({
    "shutil.move", "shutil.copy", "shutil.copy2", "shutil.copyfile", "shutil.copytree", "os.rename", "os.renames",
    "os.replace", "os.symlink", "os.link",
})
_HTTP_ROOTS = ("requests", "httpx", "aiohttp", "urllib3", "urllib.request", "urllib2", "niquests", "treq", "pycurl")
_HTTP_TAILS = frozenset({
    "get", "post", "put", "patch", "delete", "head", "options", "request", "stream", "urlopen", "Request", "fetch",
    "ws_connect",
})
_FIXED_HOST = re.compile(r"^(?:[a-z][a-z0-9+.-]*://[^/?#{}]+[/?#]|/)", re.I)

# --- tables: tool records -------------------------------------------------------------------------------
_SHELL_TOOL_NAME = re.compile(
    r"(^|_)(shell|bash|terminal|powershell|(run|exec|execute)_?(command|cmd|shell|bash|script|code|python|sh)s?|"
    r"(command|shell|code|python)_?(exec|execute|executor|run|runner)|python_?repl|repl)($|_)",
    re.I,
)
_SHELL_TOOL_CLASSES = (
    "langchain_community.tools.ShellTool", "langchain_community.tools.shell.tool.ShellTool", "langchain.tools.ShellTool",
    "langchain_experimental.tools.PythonREPLTool", "langchain_experimental.tools.python.tool.PythonREPLTool",
    "langchain_experimental.tools.PythonAstREPLTool", "langchain_experimental.utilities.PythonREPL",
    "langchain_community.tools.PythonREPLTool", "autogen_ext.code_executors.local.LocalCommandLineCodeExecutor",
    "autogen.coding.LocalCommandLineCodeExecutor", "smolagents.LocalPythonExecutor", "crewai_tools.CodeInterpreterTool",
)
_FS_TOOL_CLASSES = (
    "langchain_community.agent_toolkits.FileManagementToolkit", "langchain_community.agent_toolkits.file_management.toolkit.FileManagementToolkit",
    "langchain.agents.agent_toolkits.FileManagementToolkit", "langchain_community.tools.ReadFileTool",
    "langchain_community.tools.WriteFileTool", "langchain_community.tools.DeleteFileTool", "langchain_community.tools.ListDirectoryTool",
    "langchain_community.tools.MoveFileTool", "langchain_community.tools.CopyFileTool", "langchain_community.tools.file_management.ReadFileTool",
    "langchain_community.tools.file_management.WriteFileTool", "langchain_community.tools.file_management.DeleteFileTool",
    "crewai_tools.FileReadTool", "crewai_tools.DirectoryReadTool", "crewai_tools.FileWriterTool",
)
_MCP_SERVER_PARAMS = (
    "mcp.StdioServerParameters", "mcp.client.stdio.StdioServerParameters", "agents.mcp.MCPServerStdio",
    "agents.mcp.server.MCPServerStdio", "pydantic_ai.mcp.MCPServerStdio",
    "langchain_mcp_adapters.client.MultiServerMCPClient",
)
_TOOL_CALL_PATTERNS = tuple(_TOOL_BUILDERS) + _SHELL_TOOL_CLASSES + _FS_TOOL_CLASSES + _MCP_SERVER_PARAMS
_WHOLE_FS = re.compile(r"^(/|~|~/|\$HOME|\$\{HOME\}|[A-Za-z]:[\\/]?|\\\\)$")
_APPROVAL_CALL = re.compile(r"confirm|approv|elicit|ask_?human|ask_?user|human_?(review|input|approval|in_?the_?loop)|interrupt|authori[sz]e|consent|get_?user_?input|prompt_?user|require_?(approval|confirmation)|two_?person", re.I)
_APPROVAL_KWARGS = frozenset({
    "requires_approval", "require_approval", "needs_approval", "requires_confirmation", "require_confirmation",
    "human_in_the_loop", "confirm", "approval_required",
})
_DELETE_FUNCS = frozenset({"shutil.rmtree", "os.remove", "os.unlink", "os.rmdir", "os.removedirs", "aiofiles.os.remove", "send2trash.send2trash"})
_HTTP_DELETE = frozenset({
    "requests.delete", "httpx.delete", "requests.Session.delete", "httpx.Client.delete", "httpx.AsyncClient.delete",
    "aiohttp.ClientSession.delete",
})
_PAYMENT_RESOURCES = re.compile(r"^(Charge|PaymentIntent|Refund|Payout|Transfer|Subscription|Invoice|payment_intents|refunds|charges|payouts|transfers|subscriptions|invoices|Transaction|payments)$")
_PAYMENT_VERBS = frozenset({"create", "confirm", "capture", "pay", "sale", "refund", "submit_for_settlement", "delete", "cancel"})
_EMAIL_CALLS = frozenset({
    "smtplib.SMTP.send_message", "smtplib.SMTP.sendmail", "smtplib.SMTP_SSL.send_message", "smtplib.SMTP_SSL.sendmail",
    "sendgrid.SendGridAPIClient.send", "resend.Emails.send", "postmarker.core.PostmarkClient.emails.send",
    "yagmail.SMTP.send", "twilio.rest.Client.messages.create", "mailjet_rest.Client.send.create",
    "django.core.mail.send_mail", "django.core.mail.EmailMessage.send", "flask_mail.Mail.send", "redmail.EmailSender.send",
})


_EXACT_SINKS = (
    _EVAL | _SHELL_STRING | _SUBPROCESS | _SQL_FUNCS | _DESERIALIZE | _PATH_FUNCS | _DELETE_FUNCS | _HTTP_DELETE
    | _EMAIL_CALLS | {"yaml.load", "yaml.load_all"}
)
_SINK_METHOD_TAILS = (_SQL_METHODS - _SQL_STRICT_METHODS) | _PATH_METHODS | {"exec_command", "send_message", "sendmail"}
_SINK_ROOTS = _HTTP_ROOTS + ("stripe", "braintree", "boto3", "smtplib", "paramiko", "sendgrid", "resend", "twilio")


def _maybe_sink(qualname: str) -> bool:
    """A call that may be a sink or a destructive action: worth tracing a function's parameters for."""
    hit = _MAYBE_SINK.get(qualname)
    if hit is None:
        plain = _plain(qualname)
        hit = plain in _EXACT_SINKS or plain.rsplit(".", 1)[-1] in _SINK_METHOD_TAILS or plain.startswith(_SINK_ROOTS)
        if len(_MAYBE_SINK) > 100_000:
            _MAYBE_SINK.clear()
        _MAYBE_SINK[qualname] = hit
    return hit


_MAYBE_SINK: dict[str, bool] = {}  # answers of `_maybe_sink`, by qualname


# --- small helpers -----------------------------------------------------------------------------------------
_LEAVES = (ast.Constant, ast.Name, ast.Pass, ast.Break, ast.Continue, ast.Global, ast.Nonlocal, ast.alias)
_TRY_STAR: type = getattr(ast, "TryStar", ast.Try)  # `try ... except*` (Python 3.11+)
_LEAF_TYPES = frozenset(_LEAVES)  # parsed trees hold no subclasses of node types


def _children(node: ast.AST) -> Iterator[ast.AST]:
    """The child nodes that hold code (what `ast.iter_child_nodes` yields, less contexts and operators)."""
    if isinstance(node, _LEAVES):
        return
    for name in _code_fields(type(node)):
        value = getattr(node, name, None)
        if isinstance(value, list):
            for item in value:
                if isinstance(item, ast.AST):
                    yield item
        elif isinstance(value, ast.AST):
            yield value


def _walk(node: ast.AST) -> Iterator[ast.AST]:
    """Every node under `node` that holds code, depth first (iteratively: nesting may be deep)."""
    stack: list[object] = [node]
    while stack:
        cur = stack.pop()
        if not isinstance(cur, ast.AST):
            continue  # None in `{**x}` keys and missing defaults
        yield cur
        if isinstance(cur, _LEAVES):
            continue
        for name in _code_fields(type(cur)):
            value = getattr(cur, name, None)
            if type(value) is list:
                stack.extend(value)
            elif value is not None:
                stack.append(value)


def _plain(qualname: str) -> str:
    return qualname.replace("()", "")


def _tail(qualname: str) -> str:
    return _plain(qualname).rsplit(".", 1)[-1]


def _short(node: ast.AST, limit: int = 60) -> str:
    try:
        text = _unparse(node)
    except Exception:  # pragma: no cover - ast.unparse handles every parsed node
        return "?"
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


_MAX_CHAIN = 24  # segments of a dotted name kept; longer chains start with "?"


def _written(node: ast.AST) -> str:
    """A name, attribute chain or call chain as written: `client.chat.completions.create`,
    `make()().run`; bounded, so absurd chains cost no more than a short one."""
    parts: list[str] = []
    cur = node
    while len(parts) < _MAX_CHAIN:
        if isinstance(cur, ast.Attribute):
            parts.append("." + cur.attr)
            cur = cur.value
        elif isinstance(cur, ast.Call):
            parts.append("()")
            cur = cur.func
        elif isinstance(cur, ast.Subscript):
            parts.append("[]")
            cur = cur.value
        elif isinstance(cur, ast.Name):
            parts.append(cur.id)
            break
        else:
            parts.append("?")
            break
    else:
        parts.append("?")
    return "".join(reversed(parts))


def _access(node: ast.AST) -> str | None:
    """The access path of a name, attribute or subscript: `args['path']`, `self.cmd`, `parts[0]`;
    None for anything else (and for absurdly long chains)."""
    parts: list[str] = []
    cur = node
    while len(parts) <= _MAX_CHAIN:
        if isinstance(cur, ast.Name):
            parts.append(cur.id)
            return "".join(reversed(parts))
        if isinstance(cur, ast.Attribute):
            parts.append("." + cur.attr)
            cur = cur.value
        elif isinstance(cur, ast.Subscript):
            key = cur.slice
            if isinstance(key, ast.Constant) and isinstance(key.value, (str, int)) and not isinstance(key.value, bool):
                parts.append(f"[{key.value!r}]")
            cur = cur.value
        elif isinstance(cur, ast.Starred):
            cur = cur.value
        else:
            return None
    return None


def _paths(node: ast.AST | None) -> set[str]:
    """Access paths read by an expression (maximal ones: `args['path']`, not `args` as well)."""
    out: set[str] = set()
    if node is None:
        return out
    stack: list[ast.AST] = [node]
    while stack:
        cur = stack.pop()
        if isinstance(cur, (ast.Name, ast.Attribute, ast.Subscript)):
            path = _access(cur)
            if path is not None:
                out.add(path)
                if isinstance(cur, ast.Subscript):
                    stack.append(cur.slice)
                continue
        if isinstance(cur, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
            continue
        if isinstance(cur, ast.Call):  # `p.resolve()` reads p; `str(x)` reads x, not `str`
            if isinstance(cur.func, ast.Attribute):
                stack.append(cur.func.value)
            stack.extend(cur.args)
            stack.extend(k.value for k in cur.keywords)
            continue
        stack.extend(_children(cur))
    return out


def _covers(checked: str, used: str) -> bool:
    """A check of `checked` covers a use of `used`: the same value, or a part of it (a check of
    `args` covers `args['path']`; a check of `tc.function.name` does not cover `tc.function.arguments`)."""
    if checked == used:
        return True
    return used.startswith(checked) and used[len(checked)] in ".["


def _is_true(node: ast.AST | None) -> bool:
    return isinstance(node, ast.Constant) and node.value is True


def _dead(test: ast.expr) -> bool:
    if isinstance(test, ast.Constant):
        return not test.value
    return isinstance(test, (ast.Name, ast.Attribute)) and _written(test).split(".")[-1] == "TYPE_CHECKING"


def _stops(body: list[ast.stmt]) -> bool:
    """The branch leaves: a `raise`, `return`, `continue` or `break` among its own statements."""
    return any(isinstance(st, (ast.Raise, ast.Return, ast.Continue, ast.Break)) for st in body)


def _negative(test: ast.expr) -> bool:
    """`not ...`, `x not in ...`, `x != ...`: a test whose true branch is the rejected value."""
    if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
        return True
    if isinstance(test, ast.Compare):
        return any(isinstance(op, (ast.NotIn, ast.NotEq, ast.IsNot)) for op in test.ops)
    if isinstance(test, ast.BoolOp):
        return any(_negative(v) for v in test.values)
    return False


def _string_parts(node: ast.AST) -> str:
    """The literal text of a built string: the constant parts of an f-string, a `+` chain, a
    `%` or `.format` template."""
    out: list[str] = []
    for n in _walk(node):
        if isinstance(n, ast.Constant) and isinstance(n.value, str):
            out.append(n.value)
    return " ".join(out)


def _lead_text(node: ast.AST) -> tuple[str, bool]:
    """The literal prefix of a built string, and whether the value is built at all."""
    if isinstance(node, ast.JoinedStr):
        text = ""
        for v in node.values:
            if isinstance(v, ast.Constant) and isinstance(v.value, str):
                text += v.value
            else:
                break
        return text, True
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        left = node.left
        while isinstance(left, ast.BinOp) and isinstance(left.op, ast.Add):
            left = left.left
        if isinstance(left, ast.Constant) and isinstance(left.value, str):
            return left.value, True
        if isinstance(left, ast.JoinedStr):
            return _lead_text(left)[0], True
        return "", True
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mod) and isinstance(node.left, ast.Constant) and isinstance(node.left.value, str):
        return node.left.value.split("%", 1)[0], True
    if (
        isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "format"
        and isinstance(node.func.value, ast.Constant) and isinstance(node.func.value.value, str)
    ):
        return node.func.value.value.split("{", 1)[0], True
    return "", False


def _annotation_safe(node: ast.expr | None, depth: int = 0) -> bool:
    """An annotation that admits no free text: int, bool, Literal[...], Annotated[int, ...]."""
    if node is None or depth > 20:
        return False
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        try:
            node = ast.parse(node.value, mode="eval").body
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            return False
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
        return all(_annotation_safe(x, depth + 1) or (isinstance(x, ast.Constant) and x.value is None) for x in (node.left, node.right))
    if isinstance(node, ast.Subscript):
        head = _written(node.value).rsplit(".", 1)[-1]
        if head == "Literal":
            return True
        if head in ("Annotated", "Optional"):
            inner = node.slice.elts[0] if isinstance(node.slice, ast.Tuple) and node.slice.elts else node.slice
            return _annotation_safe(inner, depth + 1)
        return False
    if isinstance(node, (ast.Name, ast.Attribute)):
        return _written(node).rsplit(".", 1)[-1] in _SAFE_ANNOTATIONS
    return False


def _annotation_context(node: ast.expr | None, depth: int = 0) -> bool:
    """A parameter the framework fills, not the model: `RunContext[Deps]`, `Context`,
    `Annotated[str, InjectedToolArg]`, `Annotated[Session, Depends(db)]`."""
    if node is None or depth > 20:
        return False
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        try:
            node = ast.parse(node.value, mode="eval").body
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            return False
    if isinstance(node, ast.Subscript):
        head = _written(node.value).rsplit(".", 1)[-1]
        if head == "Annotated" and isinstance(node.slice, ast.Tuple):
            return any(_written(m.func if isinstance(m, ast.Call) else m).rsplit(".", 1)[-1] in _CONTEXT_TYPES for m in node.slice.elts[1:]) or _annotation_context(node.slice.elts[0], depth + 1)
        if head in ("Optional",):
            return _annotation_context(node.slice, depth + 1)
        return head in _CONTEXT_TYPES
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
        return _annotation_context(node.left, depth + 1) or _annotation_context(node.right, depth + 1)
    if isinstance(node, (ast.Name, ast.Attribute)):
        return _written(node).rsplit(".", 1)[-1] in _CONTEXT_TYPES
    return False


# --- LLM call patterns (from readycheck.detectors.llm, imported on first use) ---------------------------------
_LLM_PATTERNS: tuple[str, ...] | None = None


def _llm_patterns() -> tuple[str, ...]:
    global _LLM_PATTERNS
    if _LLM_PATTERNS is None:
        from readycheck.detectors.llm import PY_AGENT_BUILDERS, PY_AGENT_RUNS, PY_LLM_CALLS, PY_LLM_CLIENTS

        pats = list(PY_LLM_CALLS)
        pats += [f"{c}.{m}" for c in PY_LLM_CLIENTS for m in _CHAT_METHODS]
        pats += [p for p, _, _ in PY_AGENT_RUNS]
        pats += [f"{b}.{m}" for b in PY_AGENT_BUILDERS for m in _AGENT_METHODS]
        pats += ["langchain.agents.AgentExecutor.invoke", "langchain.agents.AgentExecutor.ainvoke", "langchain.agents.AgentExecutor.run",
                 "langchain.agents.create_agent.invoke", "langchain.agents.create_agent.ainvoke", "llama_index.core.agent.ReActAgent.chat",
                 "llama_index.core.agent.workflow.FunctionAgent.run", "google.genai.Client.chats.create.send_message"]
        _LLM_PATTERNS = tuple(dict.fromkeys(pats))
    return _LLM_PATTERNS


def _matches(qualname: str, patterns: tuple[str, ...]) -> bool:
    """`patterns` must be a module constant: matchers are indexed and memoised per collection."""
    return first_match(qualname, patterns) is not None


# --- the module ----------------------------------------------------------------------------------------------
def ancestors(deps: Mapping[str, Iterable[str]], path: str) -> set[str]:
    """What a value was made from, transitively and bounded (6 hops, 200 paths): `args['cmd']`
    <- `tc.function.arguments`. A path also inherits what its prefixes were made from. Shared
    by the Python and the JS/TS tracers."""
    out: set[str] = set()
    frontier = [path]
    for _ in range(6):
        nxt: list[str] = []
        for key in frontier:
            while True:
                for dep in deps.get(key, ()):
                    if dep not in out:
                        out.add(dep)
                        nxt.append(dep)
                cut = max(key.rfind("."), key.rfind("["))
                if cut <= 0:
                    break
                key = key[:cut]
        if not nxt or len(out) > 200:
            break
        frontier = nxt
    return out


@dataclass
class _Def:
    node: ast.FunctionDef | ast.AsyncFunctionDef
    cls: ast.ClassDef | None
    top: bool = False  # defined at module level: another module may register it as a tool


@dataclass
class _Tool:
    label: str  # how the tool is registered, as a reviewer reads it
    sink: str  # the registration's qualname
    name: str = ""  # the name the model calls it by, when the registration gives one
    source: str = "tool-argument"  # route handlers carry request input; "parameter" for a candidate
    approved: bool = False  # an approval flag on the registration

    @property
    def candidate(self) -> bool:
        """A plain module-level function: a tool only if another module registers it."""
        return self.source == "parameter"


@dataclass
class _Module:
    tree: ast.Module
    resolve: _Resolve
    defs: list[_Def] = field(default_factory=list)
    pending: list[_Scope] = field(default_factory=list)  # scopes found while reading, not read yet
    defined: set[str] = field(default_factory=set)
    classes: set[str] = field(default_factory=set)
    tools: dict[int, _Tool] = field(default_factory=dict)  # id(FunctionDef) -> how it is a tool
    records: list[Flow] = field(default_factory=list)
    calls: list[ast.Call] = field(default_factory=list)
    registries: list[tuple[str, ast.Dict]] = field(default_factory=list)
    qualnames: dict[int, str] = field(default_factory=dict)  # id(node) -> resolved name, shared by every scope
    llm_calls: set[int] = field(default_factory=set)  # ids of the calls that ask a model
    reads_tool_calls: bool = False  # the module reads `.tool_calls`, `.function.arguments`, `["input"]`...
    web: bool = False  # the module imports a web framework: request input is a source

    @property
    def active(self) -> bool:
        """Whether anything in the module can be a source: otherwise no function needs tracing."""
        return bool(self.tools or self.llm_calls or self.reads_tool_calls or self.web)

    def q(self, node: ast.AST) -> str:
        hit = self.qualnames.get(id(node))
        if hit is None:
            try:
                hit = self.resolve(node)
            except RecursionError:  # pragma: no cover - absurdly deep attribute chains
                hit = "?"
            self.qualnames[id(node)] = hit
        return hit

    def find_tools(self) -> None:
        """Tools, from decorators, base classes and names, and from the calls and registries the
        scopes' reading found."""
        by_name: dict[str, list[_Def]] = {}
        for d in self.defs:
            by_name.setdefault(d.node.name, []).append(d)
        for d in self.defs:
            self._decorated_tool(d)
            self._class_tool(d)
            if d.cls is None and _DISPATCHER.match(d.node.name):
                self.tools.setdefault(id(d.node), _Tool(f"{d.node.name}() (a tool dispatcher)", d.node.name))
        for call in self.calls:
            q = self.q(call.func)
            if first_match(q, _TOOL_CALL_PATTERNS) is not None or _tail(q) in _TOOL_LIST_CALL_TAILS or any(k.arg in ("tools", "functions") for k in call.keywords):
                self._registered_tools(call, by_name)
                self._tool_classes(call)
        for name, value in self.registries:
            for v in value.values:
                if isinstance(v, ast.Name):
                    self._register(v, f"{v.id}() (in the tool registry {name})", name, by_name)

    def _register(self, ref: ast.Name, label: str, sink: str, by_name: dict[str, list[_Def]]) -> None:
        """A function made a tool by name: defined here, it is a tool; imported, the registration is
        recorded (`tool-ref`, with the name it resolves to) for the module that defines it."""
        local = by_name.get(ref.id, [])
        for d in local:
            self.tools.setdefault(id(d.node), _Tool(label, sink))
        if not local:
            target = self.q(ref)
            if "()" in target or target == ref.id:
                return  # an object built here (`SEARCH = types.Tool(...)`), or a name never imported
            self.records.append(Flow("tool-ref", sink, ref.lineno, "tool", ref.lineno, None, _plain(target), label))

    def _decorated_tool(self, d: _Def) -> None:
        for dec in d.node.decorator_list:
            call = dec if isinstance(dec, ast.Call) else None
            q = self.resolve(call.func if call is not None else dec)
            shown = "@" + _short(dec, 50)
            approved = call is not None and any(
                k.arg in _APPROVAL_KWARGS and not (isinstance(k.value, ast.Constant) and not k.value.value) for k in call.keywords
            )
            if _matches(q, _TOOL_DECORATORS) or (_tail(q) in _TOOL_DECORATOR_TAILS and "." in _plain(q)):
                public = ""
                if call is not None:
                    named = [k.value for k in call.keywords if k.arg in ("name", "name_override")] + call.args[:1]
                    public = next((n.value for n in named if isinstance(n, ast.Constant) and isinstance(n.value, str)), "")
                self.tools[id(d.node)] = _Tool(f"{d.node.name}() ({shown})", _plain(q), public, approved=approved)
                return
            root = _plain(q)
            if _tail(q) in _ROUTE_TAILS and any(root.startswith(r) for r in _ROUTE_DECORATOR_ROOTS):
                self.tools[id(d.node)] = _Tool(f"{d.node.name}() (route {shown})", root, source="request-input")
                return

    def _class_tool(self, d: _Def) -> None:
        if d.cls is None:
            return
        for base in d.cls.bases:
            q = _plain(self.resolve(base))
            tail = q.rsplit(".", 1)[-1]
            methods = _TOOL_CLASS_BASES.get(tail)
            if methods is None or d.node.name not in methods:
                continue
            if "." in q and not q.startswith(_TOOL_CLASS_MODULES):
                continue
            self.tools.setdefault(id(d.node), _Tool(f"{d.cls.name}.{d.node.name}() (a {tail} subclass)", q))
            return

    def _registered_tools(self, call: ast.Call, by_name: dict[str, list[_Def]]) -> None:
        q = self.resolve(call.func)
        names: list[tuple[ast.Name, str]] = []  # (the function's name, label)
        builder = first_match(q, _TOOL_BUILDER_PATTERNS)
        if builder is not None:
            pos, kws = _TOOL_BUILDERS[builder]
            cands = [k.value for k in call.keywords if k.arg in kws]
            if len(call.args) > pos:
                cands.append(call.args[pos])
            for c in cands:
                if isinstance(c, ast.Name):
                    names.append((c, f"{c.id}() (wrapped by {_written(call.func)}())"))
        tail = _tail(q)
        lists: list[ast.expr] = [k.value for k in call.keywords if k.arg in ("tools", "functions")]
        if tail in _TOOL_LIST_CALL_TAILS:
            lists += call.args[:2]
        for value in lists:
            if isinstance(value, (ast.List, ast.Tuple)):
                for el in value.elts:
                    if isinstance(el, ast.Name):
                        names.append((el, f"{el.id}() (in the tools of {_written(call.func)}())"))
        for ref, label in names:
            self._register(ref, label, _plain(q), by_name)

    def _tool_classes(self, call: ast.Call) -> None:
        """Shell and REPL tools, file-system toolkits and MCP file-system servers, instantiated."""
        q = self.resolve(call.func)
        if _matches(q, _SHELL_TOOL_CLASSES):
            self.records.append(Flow("exposed-shell", _plain(q), call.lineno, "tool", call.lineno, None,
                                     f"{_written(call.func)}() gives the model a shell or a code interpreter"))
            return
        if _matches(q, _FS_TOOL_CLASSES):
            root = next((k.value for k in call.keywords if k.arg in ("root_dir", "directory", "file_path", "base_dir")), None)
            shown = _short(root, 30) if root is not None else None
            if root is None:
                note = "no root_dir: the model can reach every file the process can"
            elif self._whole_fs(root):
                note = f"root_dir={shown}: the model can reach the whole file system"
            else:
                return
            self.records.append(Flow("exposed-filesystem", _plain(q), call.lineno, "tool", call.lineno, None, f"{_written(call.func)}(): {note}"))
            return
        if _matches(q, _MCP_SERVER_PARAMS):
            for arg in self._mcp_args(call):
                marks = [i for i, e in enumerate(arg.elts) if isinstance(e, ast.Constant) and isinstance(e.value, str) and "server-filesystem" in e.value]
                if marks:
                    wide = [r for r in arg.elts[marks[0] + 1:] if self._whole_fs(r)]
                    if wide:
                        self.records.append(Flow("exposed-filesystem", _plain(q), call.lineno, "tool", call.lineno, None,
                                                 f"MCP file-system server rooted at {_short(wide[0], 30)}: the model can reach the whole file system"))
                        return

    @staticmethod
    def _mcp_args(call: ast.Call) -> Iterator[ast.List]:
        for n in _walk(call):
            if isinstance(n, ast.keyword) and n.arg == "args" and isinstance(n.value, ast.List):
                yield n.value
            elif isinstance(n, ast.Dict):
                for k, v in zip(n.keys, n.values):
                    if isinstance(k, ast.Constant) and k.value == "args" and isinstance(v, ast.List):
                        yield v

    def _whole_fs(self, node: ast.expr) -> bool:
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return bool(_WHOLE_FS.match(node.value.strip()))
        if isinstance(node, ast.Call):
            q = _plain(self.resolve(node.func))
            if q in ("pathlib.Path.home", "os.path.expanduser") or q.endswith(".home"):
                return not node.args or (isinstance(node.args[0], ast.Constant) and node.args[0].value in ("~", "~/"))
            if q in ("pathlib.Path", "str") and node.args:
                return self._whole_fs(node.args[0])
        if isinstance(node, ast.Attribute) and node.attr == "anchor":
            return True
        return False

    def is_llm_call(self, call: ast.Call, qualname: str) -> bool:
        kind = _LLM_QUALNAMES.get(qualname)
        if kind is None:
            kind = _llm_qualname(qualname)
        if kind == 1:
            return True
        return kind == 2 and any(k.arg == "model" for k in call.keywords)


def _llm_qualname(qualname: str) -> int:
    """1: a model call by its name; 2: one if it names a model (an SDK's method); 0: neither. Memoised."""
    q = _RUNNABLE_HOPS.sub("", qualname) if "with_" in qualname or "bind" in qualname else qualname
    if _matches(q, _llm_patterns()):
        kind = 1
    else:
        kind = 2 if _plain(q).endswith(_SDK_TAILS) else 0
    if len(_LLM_QUALNAMES) > 100_000:
        _LLM_QUALNAMES.clear()
    _LLM_QUALNAMES[qualname] = kind
    return kind


_LLM_QUALNAMES: dict[str, int] = {}


# --- one function (or the module body) ---------------------------------------------------------------------
_Event = tuple[str, ast.AST, ast.AST, int]  # (how, target, value, line)


@dataclass
class _Guard:
    line: int
    paths: set[str]
    exact: bool
    node: ast.AST | None = None  # an `if` that guards what it contains


class _Scope:
    def __init__(self, module: _Module, node: ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef, cls: ast.ClassDef | None) -> None:
        self.m = module
        self.node = node
        self.tool: _Tool | None = None
        self.checks: list[tuple[ast.expr, int, ast.AST | None]] = []  # if/assert tests, read when analysed
        self.validators: list[tuple[ast.Call, int]] = []
        self.cls = cls
        self.name = node.name if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) else None
        self.events: list[_Event] = []
        self.calls: list[tuple[ast.Call, tuple[ast.If, ...]]] = []
        self.guards: list[_Guard] = []
        self.tainted: dict[str, _Taint] = {}
        self.deps: dict[str, set[str]] = {}
        self.cleaned: dict[str, int] = {}  # name -> line after which it holds a cleaned value
        self.built: set[str] = set()  # names assigned a built string (f-string, +, %, .format)
        self.maybe_source = False  # holds a model call or a tool-call read
        self.sinky = False  # calls something named like a sink or a destructive action
        self.flows: list[Flow] = []
        self.params: set[str] = set()  # parameters that carry untrusted values

    def q(self, node: ast.AST) -> str:
        return self.m.q(node)

    # --- reading the body ---------------------------------------------------------------------------
    def read(self) -> None:
        """One walk of the body: calls (model calls marked on the module), assignments, checks."""
        self.block(self.node.body, ())

    def analyse(self) -> None:
        """Sources, then taint, checks and sinks: only where a source can be."""
        self.sources()
        if not (self.params or self.maybe_source or self.m.web):
            return
        for how, target, value, line in self.events:
            deps = _paths(value)
            cleaning = how == "assign" and isinstance(value, ast.Call) and self.is_sanitizer(value)
            built = _lead_text(value)[1]
            for key in self.target_keys(target):
                self.deps.setdefault(key, set()).update(deps)
                if cleaning:
                    self.cleaned[key] = min(self.cleaned.get(key, line), line)
                if built:
                    self.built.add(key)
        for test, line, node in self.checks:
            for paths, exact in self.checked_paths(test):
                if paths:
                    self.guards.append(_Guard(line, paths, exact, node))
        for call, line in self.validators:
            self.validator(call, line)
        self.propagate()
        self.sinks()

    def sources(self) -> None:
        if self.tool is not None and isinstance(self.node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            args = self.node.args
            params = [*args.posonlyargs, *args.args, *args.kwonlyargs, *(a for a in (args.vararg, args.kwarg) if a)]
            first = True
            for p in params:
                method_self = first and self.cls is not None
                first = False
                if method_self or p.arg in _CONTEXT_PARAMS or _annotation_context(p.annotation) or _annotation_safe(p.annotation):
                    continue
                who = {"request-input": "route ", "tool-argument": "tool "}.get(self.tool.source, "")
                self.params.add(p.arg)
                self.tainted[p.arg] = (self.tool.source, p.lineno, f"parameter `{p.arg}` of {who}{self.node.name}()")

    def block(self, stmts: list[ast.stmt], conds: tuple[ast.If, ...]) -> None:
        for st in stmts:
            self.stmt(st, conds)

    def stmt(self, st: ast.stmt, conds: tuple[ast.If, ...]) -> None:
        # Dispatch on the exact node type (parsed trees hold no subclasses), commonest first.
        t = type(st)
        if t is ast.Expr:
            value = st.value  # type: ignore[attr-defined]
            if type(value) is ast.Call:
                self.validators.append((value, st.lineno))
            self.exprs(value, conds)
            return
        if t is ast.Assign:
            assign = cast(ast.Assign, st)
            for target in assign.targets:
                self.event("assign", target, assign.value, assign.lineno)
                if isinstance(assign.value, ast.Dict) and isinstance(target, (ast.Name, ast.Attribute)) and _REGISTRY_NAME.search(_written(target)):
                    self.m.registries.append((_written(target), assign.value))
            self.exprs(assign.value, conds)
            return
        if t is ast.FunctionDef or t is ast.AsyncFunctionDef:
            fn = cast("ast.FunctionDef | ast.AsyncFunctionDef", st)
            cls = self.node if isinstance(self.node, ast.ClassDef) else None
            self.m.defs.append(_Def(fn, cls, isinstance(self.node, ast.Module)))
            self.m.defined.add(fn.name)
            self.m.pending.append(_Scope(self.m, fn, cls))  # its own scope
            return
        if t is ast.ClassDef:
            klass = cast(ast.ClassDef, st)
            self.m.classes.add(klass.name)
            self.m.pending.append(_Scope(self.m, klass, None))
            return
        if t is ast.If:
            branch = cast(ast.If, st)
            if _dead(branch.test):
                self.block(branch.orelse, conds)
                return
            self.exprs(branch.test, conds)
            self.check(branch.test, branch.lineno, branch)  # guards what it contains
            if _stops(branch.body) and _negative(branch.test):
                self.check(branch.test, branch.lineno, None)  # `if x not in ALLOWED: raise` guards what follows
            inner = conds + (branch,)
            self.block(branch.body, inner)
            self.block(branch.orelse, inner)
            return
        if t is ast.Assert:
            assertion = cast(ast.Assert, st)
            self.check(assertion.test, assertion.lineno, None)
            self.exprs(assertion.test, conds)
            return
        if t is ast.For or t is ast.AsyncFor:
            loop = cast("ast.For | ast.AsyncFor", st)
            self.event("iter", loop.target, loop.iter, loop.lineno)
            self.exprs(loop.iter, conds)
            self.block(loop.body, conds)
            self.block(loop.orelse, conds)
            return
        if t is ast.While:
            while_ = cast(ast.While, st)
            self.exprs(while_.test, conds)
            self.block(while_.body, conds)
            self.block(while_.orelse, conds)
            return
        if t is ast.With or t is ast.AsyncWith:
            with_ = cast("ast.With | ast.AsyncWith", st)
            for item in with_.items:
                if item.optional_vars is not None:
                    self.event("assign", item.optional_vars, item.context_expr, with_.lineno)
                self.exprs(item.context_expr, conds)
            self.block(with_.body, conds)
            return
        if t is ast.Try or t is _TRY_STAR:
            try_ = cast("ast.Try | ast.TryStar", st)
            self.block(try_.body, conds)
            for h in try_.handlers:
                self.block(h.body, conds)
            self.block(try_.orelse, conds)
            self.block(try_.finalbody, conds)
            return
        if t is ast.Match:
            match = cast(ast.Match, st)
            self.exprs(match.subject, conds)
            for case in match.cases:
                self.block(case.body, conds)
            return
        if t is ast.AnnAssign:
            ann = cast(ast.AnnAssign, st)
            if ann.value is not None:
                self.event("assign", ann.target, ann.value, ann.lineno)
                self.exprs(ann.value, conds)
            return
        if t is ast.AugAssign:
            aug = cast(ast.AugAssign, st)
            self.event("aug", aug.target, aug.value, aug.lineno)
            self.exprs(aug.value, conds)
            return
        if t is ast.Import or t is ast.ImportFrom:
            names = [st.module or ""] if isinstance(st, ast.ImportFrom) else [a.name for a in cast(ast.Import, st).names]
            if any(n.split(".")[0] in _WEB_MODULES for n in names):
                self.m.web = True
            return
        for child in _children(st):
            if isinstance(child, ast.expr):
                self.exprs(child, conds)

    def exprs(self, node: ast.expr, conds: tuple[ast.If, ...]) -> None:
        # `_walk(node)`, inlined (same order), with the few node types that matter picked out.
        m = self.m
        stack: list[object] = [node]
        pop = stack.pop
        push = stack.append
        extend = stack.extend
        Name, Constant, Attribute, Call, Subscript = ast.Name, ast.Constant, ast.Attribute, ast.Call, ast.Subscript
        while stack:
            cur = pop()
            t = type(cur)
            if t is Name or t is Constant:
                continue
            if t is Attribute:
                attribute = cast(ast.Attribute, cur)
                if attribute.attr in _SOURCE_ATTRS:
                    self.maybe_source = m.reads_tool_calls = True
                push(attribute.value)
                continue
            if t is Call:
                call = cast(ast.Call, cur)
                self.calls.append((call, conds))
                m.calls.append(call)
                qual = m.q(call.func)
                if m.is_llm_call(call, qual):
                    m.llm_calls.add(id(call))
                    self.maybe_source = True
                if not self.sinky and _maybe_sink(qual):
                    self.sinky = True
                push(call.func)
                extend(call.args)
                extend([k.value for k in call.keywords])
                continue
            if not isinstance(cur, ast.AST):
                continue  # None in `{**x}` keys and missing defaults, names and other plain values
            if t is Subscript:
                key = cast(ast.Subscript, cur).slice
                if type(key) is ast.Constant and key.value in _SOURCE_ATTRS:
                    self.maybe_source = m.reads_tool_calls = True
            elif t is ast.NamedExpr:
                named = cast(ast.NamedExpr, cur)
                self.event("assign", named.target, named.value, named.lineno)
            elif t is ast.comprehension:
                comp = cast(ast.comprehension, cur)
                self.event("iter", comp.target, comp.iter, getattr(comp.iter, "lineno", 0))
            if t in _LEAF_TYPES:
                continue
            fields = _CODE_FIELDS.get(t)
            for name in fields if fields is not None else _code_fields(t):
                value = getattr(cur, name, None)
                if type(value) is list:
                    extend(value)
                elif value is not None:
                    push(value)

    def event(self, how: str, target: ast.AST, value: ast.AST, line: int) -> None:
        if isinstance(target, (ast.Tuple, ast.List)) and isinstance(value, (ast.Tuple, ast.List)) and len(target.elts) == len(value.elts) and how == "assign":
            for t, v in zip(target.elts, value.elts):
                self.event(how, t, v, line)
            return
        self.events.append((how, target, value, line))

    @staticmethod
    def target_keys(target: ast.AST) -> list[str]:
        if isinstance(target, (ast.Tuple, ast.List)):
            return [k for e in target.elts for k in _Scope.target_keys(e)]
        if isinstance(target, ast.Starred):
            return _Scope.target_keys(target.value)
        if isinstance(target, ast.Subscript):  # d["k"] = v taints d
            base = _access(target.value)
            return [base] if base else []
        key = _access(target)
        return [key] if key else []

    # --- checks (allow-lists) ------------------------------------------------------------------------
    def check(self, test: ast.expr, line: int, node: ast.AST | None) -> None:
        self.checks.append((test, line, node))

    def checked_paths(self, test: ast.expr) -> Iterator[tuple[set[str], bool]]:
        for n in _walk(test):
            if isinstance(n, ast.Compare):
                left = n.left
                for op, right in zip(n.ops, n.comparators):
                    if isinstance(op, (ast.In, ast.NotIn)):
                        # `x in ALLOWED` checks x; `"rm" in cmd` is a deny-list, not a check
                        if not isinstance(left, ast.Constant) and not (isinstance(right, ast.Constant) and isinstance(right.value, str)):
                            yield _paths(left), True
                    elif isinstance(op, (ast.Eq, ast.NotEq, ast.Is, ast.IsNot)):
                        if isinstance(right, ast.Constant) and right.value is None:
                            continue
                        for side in (left, right):
                            if not isinstance(side, ast.Constant) and not self.wrapped_in_len(side):
                                yield _paths(side), True
                    left = right
            elif isinstance(n, ast.Call):
                func = n.func
                tail = _tail(self.q(func)) if not isinstance(func, ast.Attribute) else func.attr
                if isinstance(func, ast.Attribute) and tail in ("startswith", "is_relative_to", "__contains__", "issubset", "has_prefix"):
                    target = func.value if tail != "__contains__" else (n.args[0] if n.args else func.value)
                    yield _paths(target), tail == "__contains__"
                elif tail in ("match", "fullmatch"):
                    module_level = _plain(self.q(func)) in ("re.match", "re.fullmatch", "regex.match", "regex.fullmatch")
                    args = n.args[1:] if module_level else n.args
                    yield set().union(*(_paths(a) for a in args)) if args else set(), tail == "fullmatch"
                elif tail in ("commonpath", "commonprefix", "relative_to", "relpath"):
                    yield set().union(*(_paths(a) for a in n.args)) if n.args else set(), False
                elif _APPROVAL_CALL.search(tail) is None and re.search(r"allow|permit|valid|safe|check|whitelist|allowlist|trusted", tail, re.I):
                    yield set().union(*(_paths(a) for a in [*n.args, *(k.value for k in n.keywords)])), False

    @staticmethod
    def wrapped_in_len(node: ast.AST) -> bool:
        return isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in ("len", "type", "isinstance")

    def validator(self, call: ast.Call, line: int) -> None:
        """`validate_path(p)` or `ensure_allowed(url)` as a statement: it raises when the value is bad."""
        tail = _written(call.func).rsplit(".", 1)[-1]
        if re.match(r"^_?(validate|check|ensure|assert|verify|require|guard|enforce)", tail, re.I) or re.search(r"allow|permit|safe|trusted", tail, re.I):
            paths = set().union(*(_paths(a) for a in [*call.args, *(k.value for k in call.keywords)])) if (call.args or call.keywords) else set()
            if paths:
                self.guards.append(_Guard(line, paths, bool(re.search(r"allow|whitelist|allowlist", tail, re.I)), None))

    def ancestors(self, path: str) -> set[str]:
        """What a value was made from, transitively (bounded): `args['cmd']` <- `tc.function.arguments`."""
        return ancestors(self.deps, path)

    def guarded(self, arg: ast.AST, call: ast.Call, conds: tuple[ast.If, ...], exact_only: bool) -> bool:
        sink_paths = _paths(arg)
        if not sink_paths:
            return False
        related_sink = set(sink_paths)  # the value used, and what it was made from
        for s in sink_paths:
            related_sink |= self.ancestors(s)
        cond_ids = {id(c) for c in conds}
        for g in self.guards:
            if exact_only and not g.exact:
                continue
            if g.node is not None and id(g.node) not in cond_ids:
                continue
            if g.node is None and g.line > call.lineno:
                continue
            for gp in g.paths:
                if any(_covers(gp, s) for s in related_sink):
                    return True
                if any(_covers(a, s) for a in self.ancestors(gp) for s in sink_paths):  # `host = urlparse(url).hostname`
                    return True
        return False

    # --- taint ------------------------------------------------------------------------------------------
    def propagate(self) -> None:
        for _ in range(8):
            changed = False
            for how, target, value, line in self.events:
                t = self.taint(value, line)
                if t is None:
                    continue
                for key in self.target_keys(target):
                    if key not in self.tainted or t[1] < self.tainted[key][1]:  # the earliest entry point wins
                        self.tainted[key] = t
                        changed = True
            if not changed:
                break

    def lookup(self, key: str, line: int) -> _Taint | None:
        t = self.tainted.get(key)
        if t is None:
            return None
        cleaned = self.cleaned.get(key)
        if cleaned is not None and cleaned < line:
            return None
        return t

    def taint(self, e: ast.AST, line: int, depth: int = 0) -> _Taint | None:
        if depth > 40:
            return None
        d = depth + 1
        if isinstance(e, ast.Name):
            return self.lookup(e.id, line)
        if isinstance(e, (ast.Attribute, ast.Subscript)):
            key = _access(e)
            if key is not None and key in self.tainted:
                return self.lookup(key, line)
            base = self.taint(e.value, line, d)
            if base is None or base[0] == "parameter":  # `tool_call.function.arguments` says more than "a parameter"
                return self.attr_source(e) or base
            return base
        if isinstance(e, ast.Call):
            return self.call_taint(e, line, d)
        if isinstance(e, ast.JoinedStr):
            return self.first(e.values, line, d)
        if isinstance(e, ast.FormattedValue):
            return self.taint(e.value, line, d)
        if isinstance(e, ast.BinOp):
            return self.taint(e.left, line, d) or self.taint(e.right, line, d)
        if isinstance(e, ast.BoolOp):
            return self.first(e.values, line, d)
        if isinstance(e, ast.IfExp):
            return self.taint(e.body, line, d) or self.taint(e.orelse, line, d)
        if isinstance(e, (ast.Tuple, ast.List, ast.Set)):
            return self.first(e.elts, line, d)
        if isinstance(e, ast.Dict):
            return self.first([v for v in e.values], line, d) or self.first([k for k in e.keys if k is not None], line, d)
        if isinstance(e, (ast.ListComp, ast.SetComp, ast.GeneratorExp)):
            return self.taint(e.elt, line, d)
        if isinstance(e, ast.DictComp):
            return self.taint(e.value, line, d) or self.taint(e.key, line, d)
        if isinstance(e, (ast.Await, ast.Starred, ast.NamedExpr)):
            return self.taint(e.value, line, d)
        if isinstance(e, ast.UnaryOp) and not isinstance(e.op, ast.Not):
            return self.taint(e.operand, line, d)
        return None

    def first(self, nodes: Iterable[ast.AST], line: int, depth: int) -> _Taint | None:
        for n in nodes:
            t = self.taint(n, line, depth)
            if t is not None:
                return t
        return None

    def attr_source(self, e: ast.Attribute | ast.Subscript) -> _Taint | None:
        """A model's tool calls read from a response, or a web request's data."""
        if isinstance(e, ast.Attribute):
            attr = e.attr
            base = _written(e.value)
            if attr == "tool_calls" or (attr == "arguments" and base.endswith("function")):
                return ("llm-output", e.lineno, f"{_short(e, 50)}")
            if attr in ("input", "args") and re.search(r"tool|block|call", base.rsplit(".", 1)[-1], re.I):
                return ("llm-output", e.lineno, f"{_short(e, 50)}")
            if attr in _REQUEST_ATTRS:
                root = _plain(self.q(e.value))
                if root.startswith(_REQUEST_ROOTS) or (root in ("request", "req") and attr in ("GET", "POST", "body", "args", "form", "json")):
                    return ("request-input", e.lineno, f"{_short(e, 50)}")
            return None
        key = e.slice
        if isinstance(key, ast.Constant) and isinstance(key.value, str):
            base = _written(e.value)
            if key.value == "arguments" and isinstance(e.value, ast.Subscript) and isinstance(e.value.slice, ast.Constant) and e.value.slice.value == "function":
                return ("llm-output", e.lineno, f"{_short(e, 50)}")
            if key.value == "tool_calls":
                return ("llm-output", e.lineno, f"{_short(e, 50)}")
            if key.value in ("args", "input", "arguments") and re.search(r"tool|block|call|^tc$", base.rsplit(".", 1)[-1], re.I):
                return ("llm-output", e.lineno, f"{_short(e, 50)}")
        return None

    def is_sanitizer(self, call: ast.Call) -> bool:
        q = _plain(self.q(call.func))
        if q in _SANITIZERS:
            return True
        name = _written(call.func).rsplit(".", 1)[-1]
        return bool(_SANITIZER_NAME.match(name))

    def call_taint(self, call: ast.Call, line: int, depth: int) -> _Taint | None:
        if id(call) in self.m.llm_calls:
            return ("llm-output", call.lineno, f"{_written(call.func)}()")
        q = _plain(self.q(call.func))
        if isinstance(call.func, ast.Attribute) and call.func.attr in ("get_json", "json", "body", "form") and _plain(self.q(call.func.value)).startswith(_REQUEST_ROOTS):
            return ("request-input", call.lineno, f"{_written(call.func)}()")
        if self.is_sanitizer(call):
            return None
        args: list[ast.AST] = [*call.args, *(k.value for k in call.keywords)]
        if isinstance(call.func, ast.Attribute):
            method = call.func.attr
            if method in _BOOL_METHODS:
                return None
            recv = call.func.value
            t = self.taint(recv, line, depth)
            if t is not None:
                return t
            if isinstance(recv, ast.Constant) and isinstance(recv.value, str) and method in ("format", "join", "format_map"):
                return self.first(args, line, depth)
        tail = q.rsplit(".", 1)[-1]
        if q in _PROPAGATORS or tail in _PROPAGATING_TAILS or q in self.m.classes or tail in ("loads",):
            return self.first(args, line, depth)
        return None

    # --- sinks ------------------------------------------------------------------------------------------
    def sinks(self) -> None:
        for call, conds in self.calls:
            for kind, arg, detail, sink in self.sink_of(call):
                t = self.taint(arg, call.lineno)
                if t is None:
                    continue
                if kind == "url" and self.fixed_host(arg, call.lineno):
                    continue
                if self.guarded(arg, call, conds, exact_only=kind in FAIL_KINDS):
                    continue
                self.flows.append(Flow(kind, sink, call.lineno, t[0], t[1], self.name, detail, t[2]))
                break

    def fixed_host(self, arg: ast.AST, line: int, depth: int = 0) -> bool:
        """A URL whose scheme and host are written before any untrusted part:
        `f"https://api.example.com/{x}"`, `f"{BASE_URL}/users/{x}"`, `"/v1/" + x` (relative to a
        client's base URL), or a name assigned only such values in this function."""
        if isinstance(arg, ast.Name):
            values = [v for how, t, v, _ in self.events if how == "assign" and isinstance(t, ast.Name) and t.id == arg.id]
            return depth < 4 and bool(values) and all(self.fixed_host(v, line, depth + 1) for v in values)
        lead, built = _lead_text(arg)
        if not built:
            return False
        if _FIXED_HOST.match(lead):
            return True
        pieces = self.pieces(arg)
        return (
            len(pieces) >= 2 and not isinstance(pieces[0], ast.Constant) and self.taint(pieces[0], line) is None
            and isinstance(pieces[1], ast.Constant) and isinstance(pieces[1].value, str) and pieces[1].value.startswith("/")
        )

    @staticmethod
    def pieces(node: ast.AST) -> list[ast.AST]:
        """The parts of a built string, in order: f-string values, or the operands of a `+` chain."""
        if isinstance(node, ast.JoinedStr):
            return [v.value if isinstance(v, ast.FormattedValue) else v for v in node.values]
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
            return [*_Scope.pieces(node.left), *_Scope.pieces(node.right)]
        return [node]

    def arg(self, call: ast.Call, pos: int, *names: str) -> ast.expr | None:
        for k in call.keywords:
            if k.arg in names:
                return k.value
        if len(call.args) > pos and not isinstance(call.args[pos], ast.Starred):
            return call.args[pos]
        if pos == 0 and call.args and isinstance(call.args[0], ast.Starred):
            return call.args[0].value
        return None

    def sink_of(self, call: ast.Call) -> Iterator[tuple[str, ast.AST, str, str]]:
        qual = self.q(call.func)
        q = _plain(qual)
        tail = q.rsplit(".", 1)[-1]
        written = _written(call.func)
        first = self.arg(call, 0)
        if q in _EVAL and q not in self.m.defined:
            if first is not None:
                yield "eval", first, f"{tail}()", q
            return
        if q in _SHELL_STRING or (tail == "exec_command" and q.startswith("paramiko")):
            cmd = self.arg(call, 0, "cmd", "command")
            if cmd is not None:
                yield "shell", cmd, f"{q}()", q
            return
        if q in _SUBPROCESS:
            cmd = self.arg(call, 0, "args")
            if cmd is None:
                return
            if any(k.arg == "shell" and _is_true(k.value) for k in call.keywords):
                yield "shell", cmd, f"{q}(..., shell=True)", q
                return
            if isinstance(cmd, (ast.List, ast.Tuple)) and cmd.elts:
                head = cmd.elts[0]
                if isinstance(head, ast.Constant) and isinstance(head.value, str) and head.value.rsplit("/", 1)[-1] in _SHELL_PROGRAMS | {head.value}:
                    flags = {e.value for e in cmd.elts[1:] if isinstance(e, ast.Constant) and isinstance(e.value, str)}
                    if head.value.rsplit("/", 1)[-1] in _SHELL_PROGRAMS and flags & _SHELL_FLAGS:
                        for e in cmd.elts[1:]:
                            if not isinstance(e, ast.Constant):
                                yield "shell", e, f"{q}([{head.value!r}, '-c', ...])", q
                        return
                    return  # a fixed program: its arguments are not a shell
                yield "shell", head, f"{q}() with the program chosen at run time", q
                return
            if q == "asyncio.create_subprocess_exec" and call.args:
                yield "shell", call.args[0] if not isinstance(call.args[0], ast.Starred) else call.args[0].value, f"{q}() with the program chosen at run time", q
                return
            yield "shell", cmd, f"{q}() with a command chosen at run time", q
            return
        if q in _SQL_FUNCS:
            query = self.arg(call, 0, "sql", "text", "statement", "query")
            if query is not None:
                yield "sql", query, f"{q}() with a query built from it" if _lead_text(query)[1] else f"{q}()", q
            return
        if isinstance(call.func, ast.Attribute) and tail in _SQL_METHODS:
            query = self.arg(call, 0, "sql", "query", "statement", "operation")
            if query is None:
                return
            recv_q = _plain(self.q(call.func.value))
            db_receiver = recv_q.startswith(_DB_MODULES) or bool(_DB_RECEIVER.search(_written(call.func.value)))
            text = self.sql_text(query)
            if (db_receiver and tail not in _SQL_STRICT_METHODS) or (db_receiver and text) or (text and tail in ("execute", "executemany", "executescript")):
                how = "an f-string" if isinstance(query, ast.JoinedStr) else "a string built from it" if self.is_built(query) else "it"
                yield "sql", query, f"{written}() with {how} as the query", recv_q + "." + tail if recv_q else q
            return
        if q in _DESERIALIZE:
            if first is not None:
                yield "deserialize", first, f"{q}()", q
            return
        if q in ("yaml.load", "yaml.load_all", "ruamel.yaml.load"):
            loader = self.arg(call, 1, "Loader")
            unsafe = loader is None or _tail(self.q(loader)) in _UNSAFE_YAML_LOADERS
            if unsafe and first is not None:
                yield "deserialize", first, f"{q}() without a safe loader", q
            return
        if q in _PATH_FUNCS and q not in self.m.defined:
            if first is not None:
                yield "path", first, f"{q}()", q
            if q in _PATH_TWO_ARGS:
                second = self.arg(call, 1, "dst")
                if second is not None:
                    yield "path", second, f"{q}()", q
            return
        if isinstance(call.func, ast.Attribute) and tail in _PATH_METHODS and not q.startswith(_HTTP_ROOTS):
            recv = call.func.value
            if tail != "open" or self.pathish(recv):
                yield "path", recv, f"{_short(recv, 30)}.{tail}()", f"pathlib.Path.{tail}"
            return
        if tail in _HTTP_TAILS and q.startswith(_HTTP_ROOTS):
            url = self.arg(call, 1, "url") if tail in ("request", "stream") and len(call.args) > 1 else self.arg(call, 0, "url", "fullurl")
            if url is not None:
                yield "url", url, f"{q}()", q

    def pathish(self, node: ast.AST) -> bool:
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div):
            return True
        q = _plain(self.q(node))
        if "pathlib" in q or q.endswith((".resolve", ".joinpath", ".expanduser", ".absolute")):
            return True
        key = _access(node)
        return key is not None and any(
            (isinstance(v, ast.Call) and "pathlib" in _plain(self.q(v.func))) or (isinstance(v, ast.BinOp) and isinstance(v.op, ast.Div))
            for how, t, v, _ in self.events if how == "assign" and _access(t) == key
        )

    def sql_text(self, query: ast.AST) -> bool:
        if _lead_text(query)[1]:
            return bool(_SQL_TEXT.search(_string_parts(query)))
        key = _access(query)
        if key is None:
            return False
        return any(_SQL_TEXT.search(_string_parts(v)) for how, t, v, _ in self.events if how in ("assign", "aug") and _access(t) == key)

    def is_built(self, query: ast.AST) -> bool:
        key = _access(query)
        return key is not None and key in self.built

    # --- tool records -----------------------------------------------------------------------------------
    def records(self) -> None:
        tool = self.tool
        if tool is None or not isinstance(self.node, (ast.FunctionDef, ast.AsyncFunctionDef)) or tool.source == "request-input":
            return
        fn = self.node
        who = "candidate" if tool.candidate else "tool"  # a candidate's records count once it is registered
        if not tool.candidate:
            self.flows.append(Flow("tool", tool.sink, fn.lineno, "tool", fn.lineno, fn.name, tool.label))
        shell_flow = any(f.kind in ("shell", "eval") for f in self.flows)
        approved = tool.approved or any(self.approval(call) for call, _ in self.calls)
        shell_calls = []
        for call, conds in self.calls:
            for kind, arg, detail, sink in self.sink_of(call):
                if kind in ("shell", "eval") and not isinstance(arg, ast.Constant):
                    shell_calls.append((call, arg, conds, detail))
        if not shell_flow:
            untraced = [
                (c, dt) for c, a, cd, dt in shell_calls
                if self.involves(a, self.params) and not self.guarded(a, c, cd, exact_only=True)
            ]
            public = tool.name or fn.name
            if untraced:
                call, detail = untraced[0]
                self.flows.append(Flow("exposed-shell", _plain(self.q(call.func)), call.lineno, who, fn.lineno, fn.name,
                                       f"tool {public}() runs {detail} with a command made from its arguments", ""))
            elif (_SHELL_TOOL_NAME.search(fn.name) or _SHELL_TOOL_NAME.search(tool.name)) and not shell_calls and not tool.candidate:
                self.flows.append(Flow("exposed-shell", tool.sink, fn.lineno, "tool", fn.lineno, fn.name,
                                       f"tool {public}() is named as a shell or code runner", ""))
        if not approved:
            for call, _ in self.calls:
                what = self.destructive(call)
                if what:
                    self.flows.append(Flow("destructive", _plain(self.q(call.func)), call.lineno, who, fn.lineno, fn.name,
                                           f"tool {fn.name}() {what} with no approval step", ""))
                    break

    def involves(self, node: ast.AST, params: set[str]) -> bool:
        """Whether a value is made from the parameters, through any call (a helper the taint does not
        follow) but not through a lookup key: `COMMANDS[name]` picks a fixed command."""
        seen: set[str] = set()
        stack: list[ast.AST] = [node]
        while stack:
            cur = stack.pop()
            if isinstance(cur, ast.Subscript):
                stack.append(cur.value)
                continue
            if isinstance(cur, ast.Name):
                if cur.id in params:
                    return True
                if cur.id not in seen:
                    seen.add(cur.id)
                    stack.extend(v for how, t, v, _ in self.events if isinstance(t, ast.Name) and t.id == cur.id)
                continue
            if isinstance(cur, ast.Call):
                stack.extend(cur.args)
                stack.extend(k.value for k in cur.keywords)
                if isinstance(cur.func, ast.Attribute):
                    stack.append(cur.func.value)
                continue
            stack.extend(_children(cur))
        return False

    def approval(self, call: ast.Call) -> bool:
        name = _written(call.func).rsplit(".", 1)[-1]
        q = _plain(self.q(call.func))
        return bool(_APPROVAL_CALL.search(name)) or q in ("input", "builtins.input", "langgraph.types.interrupt", "click.confirm", "typer.confirm", "rich.prompt.Confirm.ask")

    def destructive(self, call: ast.Call) -> str | None:
        q = _plain(self.q(call.func))
        tail = q.rsplit(".", 1)[-1]
        if q in _DELETE_FUNCS:
            return f"deletes files ({q})"
        if isinstance(call.func, ast.Attribute) and call.func.attr in ("unlink", "rmdir") and not call.args:
            return f"deletes files ({_short(call.func, 40)}())"
        if q in _HTTP_DELETE or (q.startswith(_HTTP_ROOTS) and tail == "delete"):
            return f"sends an HTTP DELETE ({q})"
        if q.startswith("boto3") and re.match(r"^(delete|terminate|purge|remove)_", tail):
            return f"deletes cloud resources ({tail})"
        if q.startswith(("stripe", "braintree", "square", "paypalrestsdk", "adyen")):
            parts = q.split(".")
            if tail in _PAYMENT_VERBS and any(_PAYMENT_RESOURCES.match(p) for p in parts):
                return f"moves money ({q})"
        if q in _EMAIL_CALLS or any(q == p.replace("()", "") for p in _EMAIL_CALLS) or (q.startswith("boto3") and tail in ("send_email", "send_raw_email", "send_templated_email")):
            return f"sends email or messages ({q})"
        if q.startswith("smtplib") and tail in ("send_message", "sendmail"):
            return f"sends email ({q})"
        if isinstance(call.func, ast.Attribute) and tail in ("execute", "executemany"):
            query = self.arg(call, 0, "sql", "query")
            text = _string_parts(query) if query is not None else ""
            if re.search(r"\b(delete\s+from|drop\s+table|truncate)\b", text, re.I):
                return "deletes database rows"
        return None


def _read_scopes(m: _Module) -> list[_Scope]:
    """The module body, each class body and each function (nested ones too), each read once: a
    scope's reading finds the functions and classes defined in it."""
    m.pending.append(_Scope(m, m.tree, None))
    scopes: list[_Scope] = []
    while m.pending:
        scope = m.pending.pop()
        scope.read()
        scopes.append(scope)
    return scopes


def extract_flows(tree: ast.Module, resolve: Callable[[ast.AST], str]) -> list[Flow]:
    """Every flow from an untrusted source to a dangerous sink in the module, traced within each
    function, plus records about the module's tools; sorted by line.

    Besides flows from LLM output, tool arguments and request input, a module-level function that
    calls something sink-like has its parameters traced too (`source="parameter"`, records with
    `source="candidate"`): another module may register it as a tool (`kind="tool-ref"` records
    name the functions a module registers but does not define), which only the whole repository
    can tell."""
    m = _Module(tree, resolve)
    scopes = _read_scopes(m)  # the only walk of the module
    m.find_tools()
    flows: list[Flow] = list(m.records)
    if m.active or any(s.sinky for s in scopes):
        tops = {id(d.node) for d in m.defs if d.top}
        for scope in scopes:
            scope.tool = m.tools.get(id(scope.node))
            if scope.tool is None and scope.sinky and id(scope.node) in tops:
                name = scope.name or "?"
                scope.tool = _Tool(f"{name}()", name, source="parameter")  # a tool if another module registers it
            scope.analyse()
            scope.records()
            flows.extend(scope.flows)
    unique: dict[tuple[str, int, str, str], Flow] = {}
    for f in sorted(flows, key=lambda f: (f.line, f.kind, f.source_line, f.sink, f.detail)):
        unique.setdefault((f.kind, f.line, f.function or "", f.detail if f.kind == "tool-ref" else ""), f)
    return list(unique.values())
