"""The walks over the flat pre-order list (`js_facts.flatten`) see the nodes the tree itself gives,
and tracing flows over a shared list or the tree's own gives the same flows."""

from __future__ import annotations

from tree_sitter import Node, Parser

from readycheck.parsers.js_facts import _Collector, _language, flatten, parse_js, JsFacts
from readycheck.parsers.js_flows import extract_js_flows

SOURCES = {
    "a.ts": """
import OpenAI from "openai";
import { exec } from "child_process";
const client = new OpenAI({ maxRetries: 0 });
outer: while (true) { for (;;) { if (x) break outer; } }
try { await client.chat.completions.create({ model: "gpt-4o" }) } catch (e) { log(e) } finally { done() }
p.then(run).catch((e) => retry()).catch(() => 1);
export const shell = tool({ execute: async ({ command }) => { exec(`sh -c ${command}`) } });
let f: (client: OpenAI) => void;
switch (a) { case 1: break; default: { lbl: { break lbl; } } }
""",
    "b.js": "do { if (x) break; } while (1)\n" + "(" * 200 + "a()" + ")" * 200 + "\nfunction f( { a(",
    "c.tsx": "const A = () => <div onClick={() => fetch(url)}>{items.map(i => <B key={i}/>)}</div>;",
    "d.js": "",
}


def _preorder(root: Node) -> list[Node]:
    out: list[Node] = []
    stack = [root]
    while stack:
        node = stack.pop()
        out.append(node)
        stack.extend(reversed([c for c in node.children if c.child_count]))
    return out


def _tree(name: str, text: str) -> tuple[bytes, Node]:
    grammar = {"ts": "typescript", "js": "javascript", "tsx": "tsx"}[name.rsplit(".", 1)[1]]
    src = text.encode()
    return src, Parser(_language(grammar)).parse(src).root_node


def test_flatten_is_the_pre_order_of_nodes_with_children() -> None:
    for name, text in SOURCES.items():
        _, root = _tree(name, text)
        flat = flatten(root)
        expected = _preorder(root)
        assert [n.id for n in flat.nodes] == [n.id for n in expected]
        assert flat.types == [n.type for n in expected]
        assert flat.named == [n.is_named for n in expected]
        for i, node in enumerate(flat.nodes):  # ends[i] is just past the subtree of node i
            end = flat.ends[i]
            inside = flat.nodes[i + 1 : end]
            assert all(node.start_byte <= n.start_byte and n.end_byte <= node.end_byte for n in inside)
            assert end == len(flat.nodes) or flat.nodes[end].start_byte >= node.end_byte or flat.nodes[end].id != node.id


def test_flows_with_and_without_the_shared_list_agree() -> None:
    for name, text in SOURCES.items():
        src, root = _tree(name, text)
        collector = _Collector(src, JsFacts())
        collector.walk(root)
        collector.finish()
        shared = extract_js_flows(root, src, collector.resolve, collector.flat, collector.names)
        alone = extract_js_flows(root, src, collector.resolve)
        assert shared == alone
        assert parse_js(text, name).flows == shared
