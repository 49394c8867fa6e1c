from __future__ import annotations

import sys
import textwrap
import time

import pytest

from readycheck.parsers.js_facts import JsCall, JsFacts, JsImport, parse_js
from readycheck.parsers.python_facts import Unknown


def parse(source: str, filename: str = "agent.ts") -> JsFacts:
    facts = parse_js(textwrap.dedent(source).lstrip("\n"), filename)
    return facts


def only(facts: JsFacts, func: str) -> JsCall:
    found = [c for c in facts.calls if c.func == func]
    assert len(found) == 1, [c.func for c in facts.calls]
    return found[0]


# --- imports --------------------------------------------------------------------------------------


def test_esm_imports_with_aliases_resolve_calls() -> None:
    facts = parse(
        """
        import OpenAI from "openai";
        import { OpenAI as C, type ClientOptions } from "openai";
        import * as ai from "ai";
        import pRetry, { AbortError } from "p-retry";
        import type { Message } from "@anthropic-ai/sdk/resources";
        import "dotenv/config";

        const a = new OpenAI();
        const b = new C({ maxRetries: 1 });
        await ai.generateText({ model, prompt: "hi" });
        await pRetry(run, { retries: 2 });
        throw new AbortError("stop");
        """
    )
    assert facts.error is None
    got = {(i.module, i.name, i.alias): i.qualname for i in facts.imports}
    assert got == {
        ("openai", "default", "OpenAI"): "openai",
        ("openai", "OpenAI", "C"): "openai.OpenAI",
        ("openai", "ClientOptions", "ClientOptions"): "openai.ClientOptions",
        ("ai", None, "ai"): "ai",
        ("p-retry", "default", "pRetry"): "p-retry",
        ("p-retry", "AbortError", "AbortError"): "p-retry.AbortError",
        ("@anthropic-ai/sdk/resources", "Message", "Message"): "@anthropic-ai/sdk/resources.Message",
        ("dotenv/config", None, ""): "dotenv/config",
    }
    assert [i.line for i in facts.imports if i.module == "openai"] == [1, 2, 2]
    assert only(facts, "OpenAI").qualname == "openai"
    assert only(facts, "C").qualname == "openai.OpenAI"
    assert only(facts, "ai.generateText").qualname == "ai.generateText"
    assert only(facts, "pRetry").qualname == "p-retry"
    assert only(facts, "AbortError").qualname == "p-retry.AbortError"
    assert facts.bindings["a"] == "openai()" and facts.bindings["b"] == "openai.OpenAI()"


def test_require_destructuring_and_dynamic_import() -> None:
    facts = parse(
        """
        const OpenAI = require("openai");
        const { Anthropic, AnthropicBedrock: Bedrock } = require("@anthropic-ai/sdk");
        const pRetry = require("p-retry").default;
        require("dotenv").config();
        const { default: retry } = await import("async-retry");
        const ai = await import("ai");

        const anthropic = new Anthropic({ maxRetries: 0 });
        const bedrock = new Bedrock();
        await anthropic.messages.create({ model: "claude-sonnet-4-5", max_tokens: 1024, messages });
        await ai.streamText({ model, messages });
        await pRetry(() => fetch(url), { retries: 3 });
        await retry(async () => ping(), { retries: 4 });
        """,
        "server.js",
    )
    assert facts.error is None
    got = {(i.module, i.name, i.alias) for i in facts.imports}
    assert got == {
        ("openai", None, "OpenAI"),
        ("@anthropic-ai/sdk", "Anthropic", "Anthropic"),
        ("@anthropic-ai/sdk", "AnthropicBedrock", "Bedrock"),
        ("p-retry", "default", "pRetry"),
        ("dotenv", None, ""),
        ("async-retry", "default", "retry"),
        ("ai", None, "ai"),
    }
    assert only(facts, "Anthropic").qualname == "@anthropic-ai/sdk.Anthropic"
    assert only(facts, "Bedrock").qualname == "@anthropic-ai/sdk.AnthropicBedrock"
    assert only(facts, "anthropic.messages.create").qualname == "@anthropic-ai/sdk.Anthropic().messages.create"
    assert only(facts, "require().config").qualname == "dotenv.config"
    assert only(facts, "ai.streamText").qualname == "ai.streamText"
    assert only(facts, "pRetry").qualname == "p-retry"
    assert only(facts, "retry").qualname == "async-retry"


def test_typescript_import_equals_require() -> None:
    facts = parse('import OpenAI = require("openai");\nconst c = new OpenAI();\n', "legacy.ts")
    assert facts.error is None
    assert facts.imports == [JsImport("openai", None, "OpenAI", 1)]
    assert facts.bindings["c"] == "openai()"


def test_imports_any_matches_module_and_subpaths_only() -> None:
    facts = parse(
        """
        import { generateText } from "ai";
        import { createStreamableUI } from "ai/rsc";
        import { ChatOpenAI } from "@langchain/openai";
        import { thing } from "aioli";
        """
    )
    assert [i.module for i in facts.imports_any(["ai"])] == ["ai", "ai/rsc"]
    assert [i.alias for i in facts.imports_any(["@langchain"])] == ["ChatOpenAI"]
    assert facts.imports_any(["@langchain/anthropic", "openai"]) == []
    assert facts.imported_modules() == {"ai", "ai/rsc", "@langchain/openai", "aioli"}


# --- calls, bindings, wrappers --------------------------------------------------------------------


def test_new_and_plain_calls_resolve_through_bindings() -> None:
    facts = parse(
        """
        import OpenAI from "openai";
        import { createClient } from "@supabase/supabase-js";
        import { OpenAI as LcOpenAI } from "@langchain/openai";

        const client = new OpenAI({ apiKey: process.env.OPENAI_API_KEY });
        const db = createClient(url, key);
        const llm = LcOpenAI({ temperature: 0 });
        const completions = client.chat.completions;

        export async function answer(question: string) {
          const res = await client.chat.completions.create({
            model: "gpt-4o",
            messages: [{ role: "user", content: question }],
          });
          await db.from("answers").insert({ question });
          await completions.create({ model: "gpt-4o-mini", messages: [] });
          return res.choices[0].message.content;
        }
        """
    )
    new_client = only(facts, "OpenAI")
    assert new_client.is_new and new_client.qualname == "openai" and new_client.function is None
    assert isinstance(new_client.opt("apiKey"), Unknown) and new_client.opt("apiKey").source == "process.env.OPENAI_API_KEY"
    plain = only(facts, "createClient")
    assert not plain.is_new and plain.qualname == "@supabase/supabase-js.createClient"
    assert only(facts, "LcOpenAI").qualname == "@langchain/openai.OpenAI" and not only(facts, "LcOpenAI").is_new
    assert facts.bindings["client"] == "openai()"
    assert facts.bindings["db"] == "@supabase/supabase-js.createClient()"
    assert facts.bindings["completions"] == "openai().chat.completions"

    create = only(facts, "client.chat.completions.create")
    assert create.qualname == "openai().chat.completions.create"
    assert create.function == "answer"
    assert (create.line, create.end_line, create.col) == (11, 14, 20)
    assert create.options["messages"] == [{"role": "user", "content": Unknown("question")}]
    assert only(facts, "db.from().insert").qualname == "@supabase/supabase-js.createClient().from().insert"
    assert only(facts, "completions.create").qualname == "openai().chat.completions.create"

    matched = facts.calls_matching(["openai.chat.completions.create"])
    assert [c.line for c in matched] == [11, 16]
    assert [c.func for c in facts.calls_matching(["openai"])] == ["OpenAI"]
    assert facts.calls_matching(["@supabase/supabase-js.**"])  # any call on the client


def test_member_bindings_on_this_and_class_fields() -> None:
    facts = parse(
        """
        import Anthropic from "@anthropic-ai/sdk";
        import { OpenAI } from "openai";

        @Injectable()
        export class ChatService {
          private readonly fallback: OpenAI = new OpenAI({ maxRetries: 0 });
          private client: Anthropic;

          constructor(@Inject(CONFIG) private readonly config: Config) {
            this.client = new Anthropic({ maxRetries: 3, timeout: 60_000 });
          }

          async reply(prompt: string): Promise<string> {
            const msg = await this.client.messages.create({ model: "claude-sonnet-4-5", max_tokens: 512, messages: [] });
            return (msg.content[0] as TextBlock).text;
          }

          async backup(prompt: string) {
            return this.fallback!.chat.completions.create({ model: "gpt-4o", messages: [] });
          }
        }
        """
    )
    assert facts.error is None
    assert facts.bindings["this.client"] == "@anthropic-ai/sdk()"
    assert facts.bindings["this.fallback"] == "openai.OpenAI()"
    reply = only(facts, "this.client.messages.create")
    assert reply.qualname == "@anthropic-ai/sdk().messages.create" and reply.function == "reply"
    backup = only(facts, "this.fallback.chat.completions.create")
    assert backup.qualname == "openai.OpenAI().chat.completions.create" and backup.function == "backup"
    ctor = only(facts, "Anthropic")
    assert ctor.is_new and ctor.function == "constructor" and ctor.options == {"maxRetries": 3, "timeout": 60000}
    assert {c.func for c in facts.calls} >= {"Injectable", "Inject"}  # decorators are calls too


def test_wrapper_functions_resolve_to_what_they_return() -> None:
    facts = parse(
        """
        import OpenAI from "openai";
        import Anthropic from "@anthropic-ai/sdk";

        function makeClient() {
          return new OpenAI({ maxRetries: 5 });
        }
        export const makeAnthropic = () => new Anthropic();
        export async function getClient() {
          if (cached) return await makeClient();
          return makeClient();
        }
        function pick(kind) {
          if (kind === "a") return new Anthropic();
          return new OpenAI();
        }
        function lazy() {
          items.map(() => { return new Anthropic(); });
          return new OpenAI();
        }

        const one = makeClient();
        const two = makeAnthropic();
        await (await getClient()).chat.completions.create({ model: "gpt-4o" });
        await makeAnthropic().messages.create({ model: "claude", max_tokens: 10 });
        const three = pick("a");
        const four = lazy();
        """,
        "clients.js",
    )
    assert facts.bindings["one"] == "openai()"
    assert facts.bindings["two"] == "@anthropic-ai/sdk()"
    assert only(facts, "getClient().chat.completions.create").qualname == "openai().chat.completions.create"
    assert only(facts, "makeAnthropic().messages.create").qualname == "@anthropic-ai/sdk().messages.create"
    assert facts.bindings["three"] == "pick()"  # two different returns: not a wrapper
    assert facts.bindings["four"] == "openai()"  # the callback's return is not lazy's own
    calls_to_make = [c for c in facts.calls if c.func == "makeClient"]
    assert [c.qualname for c in calls_to_make] == ["makeClient"] * 3  # the call itself names the wrapper
    assert [c.function for c in calls_to_make] == ["getClient", "getClient", None]


def test_calls_everywhere_are_recorded_with_their_function() -> None:
    facts = parse(
        """
        import express from "express";
        const app = express();
        setup();

        app.post("/chat", async (req, res) => {
          res.json(await handle(req.body));
        });

        const handle = async (body) => {
          return body.items.map((item) => transform(item));
        };

        class Agent {
          static { register(Agent); }
          run() { return helper(() => step()); }
        }

        const tools = {
          search: function search(q) { return lookup(q); },
          async fetchPage(url) { return get(url); },
        };
        module.exports.handler = async (event) => process(event);
        """,
        "app.js",
    )
    fn = {c.func: c.function for c in facts.calls}
    assert fn["express"] is None and fn["setup"] is None and fn["app.post"] is None
    assert fn["res.json"] is None and fn["handle"] is None  # an anonymous callback is no named function
    assert fn["body.items.map"] == "handle" and fn["transform"] == "handle"
    assert fn["register"] is None
    assert fn["helper"] == "run" and fn["step"] == "run"
    assert fn["lookup"] == "search" and fn["get"] == "fetchPage"
    assert fn["process"] == "handler"
    assert only(facts, "app.post").qualname == "express().post"


# --- argument and option values -------------------------------------------------------------------


def test_options_literals_from_object_arguments() -> None:
    facts = parse(
        """
        import OpenAI from "openai";
        import pRetry from "p-retry";

        const MODEL = "gpt-4o";
        const TIMEOUT_MS = 2 * 60 * 1000;
        const RETRY = { retries: 5, minTimeout: 1000, randomize: true };
        const client = new OpenAI({ maxRetries: 0, timeout: TIMEOUT_MS });

        await client.chat.completions.create({
          model: MODEL,
          max_tokens: 1024,
          temperature: -0.5,
          "top_p": 0.9,
          3: "three",
          stop: ["\\n\\n", `END`],
          response_format: { type: "json_object" },
          user: `user-${id}`,
          stream: false,
          seed: null,
          logprobs: undefined,
          n: 20_000,
          mask: 0xff,
          name: "it\\'s \\u00e9",
          tools,
          ...extra,
        });
        await pRetry(() => call(), { retries: 5, minTimeout: 1000, randomize: true });
        await pRetry(() => call(), RETRY);
        await pRetry(() => call(), { ...RETRY, retries: 2, onFailedAttempt(error) { log(error); } });
        merge({ a: 1, b: 2 }, { a: 9, c: 3 });
        """
    )
    assert facts.error is None
    assert only(facts, "OpenAI").options == {"maxRetries": 0, "timeout": 120000}
    opts = only(facts, "client.chat.completions.create").options
    assert opts["model"] == "gpt-4o"
    assert opts["max_tokens"] == 1024 and opts["temperature"] == -0.5 and opts["top_p"] == 0.9
    assert opts["3"] == "three"
    assert opts["stop"] == ["\n\n", "END"]
    assert opts["response_format"] == {"type": "json_object"}
    assert opts["user"] == Unknown("`user-${id}`")
    assert opts["stream"] is False and opts["seed"] is None and opts["logprobs"] is None
    assert opts["n"] == 20000 and opts["mask"] == 255
    assert opts["name"] == "it's é"
    assert opts["tools"] == Unknown("tools")
    assert "extra" not in opts

    first, second, third = [c for c in facts.calls if c.func == "pRetry"]
    assert first.options == {"retries": 5, "minTimeout": 1000, "randomize": True}
    assert first.opt("retries") == 5 and first.opt("factor", 2) == 2
    assert isinstance(first.args[0], Unknown) and first.args[0].source == "() => call()"
    assert second.options == {"retries": 5, "minTimeout": 1000, "randomize": True}
    assert third.options["retries"] == 2 and third.options["minTimeout"] == 1000
    assert isinstance(third.options["onFailedAttempt"], Unknown)
    assert only(facts, "merge").options == {"a": 1, "b": 2, "c": 3}  # first object wins
    assert only(facts, "merge").args == ({"a": 1, "b": 2}, {"a": 9, "c": 3})


def test_positional_arguments_are_literals_or_unknown() -> None:
    facts = parse(
        """
        setTimeout(tick, 5_000);
        log("plain", `template`, `with ${x}`, 1.5e3, true, [1, [2, 3]], -1, !0, "a" + "b", 0o17, 10n);
        go(...args);
        """,
        "misc.js",
    )
    assert only(facts, "setTimeout").args == (Unknown("tick"), 5000)
    assert only(facts, "log").args == ("plain", "template", Unknown("`with ${x}`"), 1500.0, True, [1, [2, 3]], -1, True, "ab", 15, 10)
    assert only(facts, "go").args == (Unknown("...args"),)


# --- context flags ----------------------------------------------------------------------------------


def test_try_catch_and_loop_flags() -> None:
    facts = parse(
        """
        import OpenAI from "openai";
        import Anthropic from "@anthropic-ai/sdk";
        const primary = new Anthropic();
        const backup = new OpenAI();

        export async function ask(prompt: string) {
          try {
            return await primary.messages.create({ model: "claude", max_tokens: 256, messages: [] });
          } catch (err) {
            logger.warn(err);
            return await backup.chat.completions.create({ model: "gpt-4o", messages: [] });
          } finally {
            metrics.flush();
          }
        }

        function cleanup() {
          try {
            close();
          } finally {
            release();
          }
        }

        async function batch(items) {
          for (const item of items) {
            await process(item);
          }
          await done();
        }

        const result = primary.messages.create({ model: "claude", max_tokens: 1, messages: [] })
          .then(parse)
          .catch((e) => backup.chat.completions.create({ model: "gpt-4o", messages: [] }));
        """
    )
    flags = {c.func: (c.in_try, c.in_catch, c.in_loop) for c in facts.calls}
    tried = [c for c in facts.calls if c.func == "primary.messages.create"]
    assert [(c.in_try, c.in_catch, c.function) for c in tried] == [(True, False, "ask"), (True, False, None)]
    fallbacks = [c for c in facts.calls if c.func == "backup.chat.completions.create"]
    assert [(c.in_try, c.in_catch) for c in fallbacks] == [(False, True), (False, True)]
    assert all(c.qualname == "openai().chat.completions.create" for c in fallbacks)
    assert flags["logger.warn"] == (False, True, False)
    assert flags["metrics.flush"] == (False, False, False)
    assert flags["close"] == (False, False, False)  # try without catch guards nothing
    assert flags["release"] == (False, False, False)
    assert flags["process"] == (False, False, True)
    assert flags["done"] == (False, False, False)


def test_named_function_inside_try_starts_fresh_context() -> None:
    facts = parse(
        """
        try {
          const handler = async () => { await risky(); };
          items.forEach((x) => inline(x));
          while (running) { await poll(); }
        } catch (e) {}
        """,
        "x.js",
    )
    assert only(facts, "risky").in_try is False and only(facts, "risky").function == "handler"
    assert only(facts, "inline").in_try is True  # an anonymous callback inherits
    assert only(facts, "poll").in_try is True and only(facts, "poll").in_loop is True


def test_while_true_with_and_without_exits() -> None:
    facts = parse(
        """
        async function agent(messages) {
          while (true) {
            const res = await client.messages.create({ model: "claude", max_tokens: 1024, messages });
            if (res.stop_reason === "end_turn") break;
          }
          while (true) {
            const res = await client.messages.create({ model: "claude", max_tokens: 1024, messages });
            for (const block of res.content) {
              if (block.type === "text") break;
            }
            switch (res.stop_reason) {
              case "tool_use":
                break;
            }
            tools.forEach((t) => { return t; });
          }
          for (;;) {
            if (done()) return messages;
          }
          while (1) {
            if (bad) throw new Error("bad");
          }
          outer: while (true) {
            for (const x of xs) {
              if (x) break outer;
            }
          }
          do {
            await tick();
          } while (true);
          while (running) {
            break;
          }
          for (let i = 0; i < 10; i++) {}
        }
        """,
        "loop.js",
    )
    assert facts.while_true_lines == [
        (2, 5, True),
        (6, 16, False),
        (17, 19, True),
        (20, 22, True),
        (23, 27, True),
        (28, 30, False),
    ]
    assert only(facts, "done").in_loop


# --- TypeScript, JSX, grammars ----------------------------------------------------------------------


def test_typescript_syntax_parses() -> None:
    facts = parse(
        """
        import type { ChatCompletion } from "openai/resources";
        import OpenAI from "openai";

        interface AgentConfig<T = unknown> {
          model: string;
          maxTokens?: number;
          extra: Record<string, T>;
        }
        type Role = "user" | "assistant";
        enum Mode { Fast = 1, Slow }
        declare const VERSION: string;

        abstract class Base<T> {
          protected abstract run(input: T): Promise<void>;
        }

        function component(opts: { name: string }) {
          return <C extends new (...args: any[]) => object>(target: C) => target;
        }

        @component({ name: "agent" })
        export class Agent<T extends object> extends Base<T> implements Runner {
          private client = new OpenAI({ maxRetries: 2 }) as OpenAI;
          #history: Array<{ role: Role; content: string }> = [];

          public async run(input: T): Promise<void> {
            const cfg = { model: "gpt-4o", maxTokens: 100 } satisfies AgentConfig;
            const res = (await this.client.chat.completions.create<ChatCompletion>({
              model: cfg.model,
              max_tokens: cfg.maxTokens!,
              messages: this.#history as any,
            })) as ChatCompletion;
            const text = <string>res.choices[0]!.message.content;
            console.log(text?.length ?? 0);
          }
        }
        """,
        "agent.ts",
    )
    assert facts.error is None
    create = only(facts, "this.client.chat.completions.create")
    assert create.qualname == "openai().chat.completions.create" and create.function == "run"
    assert isinstance(create.options["max_tokens"], Unknown)
    assert only(facts, "OpenAI").options == {"maxRetries": 2}
    assert only(facts, "component").options == {"name": "agent"}
    assert only(facts, "console.log").qualname == "console.log"


def test_tsx_and_jsx_files_parse() -> None:
    tsx = parse(
        """
        import { useChat } from "ai/react";
        export default function Chat({ id }: { id: string }) {
          const { messages, handleSubmit } = useChat<{ id: string }>({ api: "/api/chat", id });
          return (
            <form onSubmit={handleSubmit}>
              {messages.map((m) => <Message key={m.id} text={format(m.content)} />)}
            </form>
          );
        }
        """,
        "components/Chat.tsx",
    )
    assert tsx.error is None
    use = only(tsx, "useChat")
    assert use.qualname == "ai/react.useChat" and use.function == "Chat" and use.options["api"] == "/api/chat"
    assert only(tsx, "format").function == "Chat"
    assert tsx.bindings["messages"] == "ai/react.useChat().messages"

    jsx = parse("const App = () => <div onClick={() => track('click')}>hi</div>;\n", "App.jsx")
    assert jsx.error is None and only(jsx, "track").function == "App"
    js_with_jsx = parse("export const Row = () => <td>{fmt(1)}</td>;\n", "row.js")
    assert js_with_jsx.error is None and only(js_with_jsx, "fmt").args == (1,)


def test_grammar_follows_extension_and_unknown_falls_back() -> None:
    ts_code = "const n = <number>value;\nlet x: Foo<Bar> = make<Bar>();\n"
    assert parse_js(ts_code, "a.ts").error is None
    assert parse_js("let x: number = make();\n", "a.mts").error is None
    assert parse_js("let x: number = make();\n", "a.js").error is not None
    unknown = parse_js("let x: number = make();\n")
    assert unknown.error is None and [c.func for c in unknown.calls] == ["make"]


# --- robustness --------------------------------------------------------------------------------------


def test_malformed_input_keeps_facts_and_reports_error() -> None:
    facts = parse_js(
        'import OpenAI from "openai";\n'
        "const client = new OpenAI({ maxRetries: 0 });\n"
        "function broken( {\n"
        "  client.chat.completions.create({ model: 'gpt-4o' });\n",
        "broken.js",
    )
    assert facts.error is not None and facts.error.startswith("parse error near line ")
    assert facts.imports and facts.imports[0].module == "openai"
    assert only(facts, "OpenAI").options == {"maxRetries": 0}
    for junk in ["", "}", "{{{{", "const = = ;", "\x00\xff\ud800", "`unterminated ${", "/* never closed"]:
        result = parse_js(junk, "junk.ts")
        assert isinstance(result, JsFacts)
    assert parse_js("", "empty.js").error is None and parse_js("", "empty.js").calls == []
    assert parse_js("}", "x.js").error == "parse error near line 1"


@pytest.mark.parametrize(
    "source",
    [
        "const x = " + "(" * 5000 + "1" + ")" * 5000 + ";\n",
        "f(" + "[" * 5000 + "]" * 5000 + ");\n",
        "g(" * 5000 + ")" * 5000 + ";\n",
        "x = " + "{a: " * 5000 + "1" + "}" * 5000 + ";\n",
        "client" + ".then(() => 1)" * 5000 + ";\n",
        "if (a) {" * 3000 + "go();" + "}" * 3000 + "\n",
        "const s = " + "1 + " * 5000 + "1;\n",
        "(" * 5000 + "\n",
    ],
    ids=["parens", "arrays", "calls", "objects", "chain", "blocks", "sum", "unbalanced"],
)
def test_deeply_nested_input_does_not_crash(source: str) -> None:
    limit = sys.getrecursionlimit()
    start = time.perf_counter()
    facts = parse_js(source, "deep.js")
    assert time.perf_counter() - start < 10
    assert sys.getrecursionlimit() == limit
    assert isinstance(facts, JsFacts)
    for call in facts.calls:
        assert len(call.qualname) <= 300 and len(call.func) <= 300


def test_deep_nesting_keeps_values_shallow() -> None:
    facts = parse_js("f(" + "[" * 5000 + "]" * 5000 + ");\n" + "g(" * 3000 + "1" + ")" * 3000 + ";\n", "deep.js")
    assert facts.error is None
    f = only(facts, "f")
    value, depth = f.args[0], 0
    while isinstance(value, list):
        value, depth = value[0], depth + 1
    assert isinstance(value, Unknown) and depth > 10
    gs = [c for c in facts.calls if c.func == "g"]
    assert len(gs) == 3000 and gs[-1].args == (1,)
    chain = parse_js("client" + ".step()" * 3000 + ";\n", "chain.js")
    assert len(chain.calls) == 3000
    assert {c.qualname.split(".")[-1] for c in chain.calls} == {"step"}


def test_parenthesized_await_is_not_a_call() -> None:
    facts = parse_js(
        'import OpenAI from "openai";\n'
        "const client = new OpenAI();\n"
        "async function ask() {\n"
        "  return await (client).chat.completions.create({ model: 'gpt-4o' });\n"
        "}\n",
        "ask.js",
    )
    assert [c.func for c in facts.calls] == ["OpenAI", "client.chat.completions.create"]
    assert facts.calls[1].qualname == "openai().chat.completions.create"


def test_parameter_properties_and_default_parameters_bind() -> None:
    facts = parse(
        """
        import OpenAI from "openai";
        export function createOpenAI(): OpenAI {
          return new OpenAI({ maxRetries: 2, timeout: 20_000 });
        }
        export class LlmClient {
          constructor(
            private readonly budget: Budget,
            private readonly openai: OpenAI = createOpenAI(),
          ) {}
          async complete(messages: Message[]) {
            return this.openai.chat.completions.create({ model: "gpt-4o", messages, max_tokens: 1024 });
          }
        }
        export async function summarize(text: string, client = createOpenAI()) {
          return client.chat.completions.create({ model: "gpt-4o-mini", messages: [] });
        }
        """
    )
    assert facts.bindings["this.openai"] == "openai()" and "openai" not in facts.bindings
    assert facts.bindings["client"] == "openai()"
    creates = facts.calls_matching(["openai.chat.completions.create"])
    assert [(c.function, c.opt("model")) for c in creates] == [("complete", "gpt-4o"), ("summarize", "gpt-4o-mini")]
