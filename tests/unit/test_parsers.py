from __future__ import annotations

import pytest

from readycheck.parsers.markdown import parse_headings
from readycheck.parsers.python_facts import CallValue, parse_python, qualname_matches
from readycheck.parsers.structured import ParseError, load_json_doc, load_toml_doc, load_yaml_docs


def test_python_aliases_bindings_and_wrappers() -> None:
    facts = parse_python(
        "from openai import OpenAI as C\n"
        "import anthropic as ant\n"
        "def make():\n"
        "    return C(max_retries=0, timeout=30)\n"
        "client = make()\n"
        "backup = ant.Anthropic()\n"
        "class Bot:\n"
        "    def __init__(self):\n"
        "        self.llm = C()\n"
        "    def ask(self, q):\n"
        "        return self.llm.chat.completions.create(model='m', messages=q, max_tokens=5)\n"
        "client.chat.completions.create(model='m', messages=[], **{'max_tokens': 9})\n"
        "backup.messages.create(model='c', max_tokens=100, messages=[])\n"
    )
    by_line = {c.line: c for c in facts.calls}
    assert by_line[4].qualname == "openai.OpenAI" and by_line[4].kwargs == {"max_retries": 0, "timeout": 30}
    assert by_line[11].qualname == "openai.OpenAI().chat.completions.create" and by_line[11].function == "ask"
    assert by_line[12].qualname == "openai.OpenAI().chat.completions.create" and by_line[12].kwargs["max_tokens"] == 9
    assert by_line[13].qualname == "anthropic.Anthropic().messages.create"
    assert qualname_matches(by_line[13].qualname, "anthropic.Anthropic.messages.create")


def test_python_decorators_loops_guards_and_nested_values() -> None:
    facts = parse_python(
        "import time, random\n"
        "from tenacity import retry, stop_after_attempt as stop, wait_random_exponential\n"
        "@retry(stop=stop(4), wait=wait_random_exponential(multiplier=1, max=60))\n"
        "def f():\n"
        "    pass\n"
        "def g():\n"
        "    for i in range(5):\n"
        "        try:\n"
        "            f()\n"
        "        except OSError:\n"
        "            time.sleep(2 ** i + random.random())\n"
        "    if spent_usd >= MAX_SPEND_USD:\n"
        "        raise RuntimeError('budget')\n"
        "while True:\n"
        "    f()\n"
    )
    dec = next(c for c in facts.calls if c.is_decorator)
    assert dec.qualname == "tenacity.retry" and dec.decorates == "f"
    stop_v = dec.kwargs["stop"]
    assert isinstance(stop_v, CallValue) and stop_v.qualname == "tenacity.stop_after_attempt" and stop_v.args == (4,)
    loop = facts.retry_loops[0]
    assert (loop.attempts, loop.jitter, loop.backoff) == (5, True, True)
    assert facts.guards[0].names == ("spent_usd", "MAX_SPEND_USD")
    assert facts.while_true_lines == [(14, 15, False)]


def test_python_syntax_error_is_recorded_not_raised() -> None:
    facts = parse_python("def broken(:\n  pass\n")
    assert facts.error and "syntax error" in facts.error and facts.calls == []
    deep = parse_python("x = " + "(" * 5000 + "1" + ")" * 5000 + "\n")
    assert deep.error is not None


def test_yaml_lines_tags_and_bombs() -> None:
    docs = load_yaml_docs(
        "Resources:\n"
        "  Budget:\n"
        "    Type: AWS::Budgets::Budget\n"
        "    Properties:\n"
        "      Name: !Sub '${AWS::StackName}-llm'\n"
        "---\n"
        "kind: Deployment\n"
    )
    assert len(docs) == 2
    assert docs[0].data["Resources"]["Budget"]["Properties"]["Name"] == "${AWS::StackName}-llm"
    assert docs[0].line_of(("Resources", "Budget", "Type")) == 3
    assert docs[1].data == {"kind": "Deployment"}
    bomb = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}]\n"
        for i in range(8)
    )
    with pytest.raises(ParseError, match="nodes"):
        load_yaml_docs(bomb)
    with pytest.raises(ParseError, match="invalid YAML at line 2"):
        load_yaml_docs("a: [1\nb: }\n")
    # Python tags never construct objects: the value reads as plain data.
    (doc,) = load_yaml_docs("a: !!python/object/apply:os.system ['touch pwned']\n")
    assert doc.data == {"a": ["touch pwned"]}


def test_json_and_toml_docs_have_lines() -> None:
    doc = load_json_doc('{\n  "budget": {\n    "max_usd": 50\n  }\n}\n')
    assert doc.line_of(("budget", "max_usd")) == 3
    tdoc = load_toml_doc('[tool.x]\nname = "a"\n\n[limits]\nspend_cap_usd = 10\n')
    assert tdoc.data["limits"]["spend_cap_usd"] == 10
    assert tdoc.line_of(("limits", "spend_cap_usd")) == 5
    with pytest.raises(ParseError):
        load_json_doc("{bad json")


def test_markdown_headings_skip_code_fences() -> None:
    heads = parse_headings("# Runbook\n\n```\n# not a heading\n```\nEscalation\n----------\n## Post-Mortem *Template*\n")
    assert [(h.level, h.text, h.line) for h in heads] == [(1, "Runbook", 1), (2, "Escalation", 6), (2, "Post-Mortem *Template*", 8)]
    assert heads[2].normalised == "post mortem template"


def test_python_star_kwargs_from_a_dict_built_in_the_module() -> None:
    facts = parse_python(
        "from openai import OpenAI\n"
        "client = OpenAI()\n"
        "def ask(messages, tools=None):\n"
        "    params = {'model': 'gpt-4o', 'messages': messages}\n"
        "    if tools:\n"
        "        params['tools'] = tools\n"
        "    params['max_tokens'] = 300\n"
        "    return client.chat.completions.create(**params)\n"
        "def other(extra):\n"
        "    return client.chat.completions.create(**extra)\n"
        "def third():\n"
        "    return client.chat.completions.create(**dict(model='m', max_completion_tokens=9))\n"
    )
    by_line = {c.line: c for c in facts.calls}
    assert set(by_line[8].kwargs) == {"model", "messages", "tools", "max_tokens"} and not by_line[8].has_star_kwargs
    assert by_line[8].kwargs["max_tokens"] == 300
    assert by_line[10].has_star_kwargs and by_line[10].kwargs == {}
    assert by_line[12].kwargs["max_completion_tokens"] == 9


def test_python_binding_order_does_not_matter() -> None:
    facts = parse_python(
        "from openai import OpenAI\n"
        "class Swarm:\n"
        "    def __init__(self, client=None):\n"
        "        if not client:\n"
        "            client = OpenAI()\n"
        "        self.client = client\n"
        "    def run(self):\n"
        "        return self.client.chat.completions.create(model='m', messages=[])\n"
    )
    assert facts.bindings["self.client"] == "openai.OpenAI()"
    assert facts.calls[-1].qualname == "openai.OpenAI().chat.completions.create"


def test_functions_passed_as_arguments_count_as_called() -> None:
    facts = parse_python(
        "def complete(self, messages):\n"
        "    return breaker.call(self._ask, messages)\n"
        "def run():\n"
        "    pool.submit(work)\n"
    )
    assert "_ask" in facts.calls_by_function["complete"]
    assert "work" in facts.calls_by_function["run"]


def test_long_binary_chains_fold_or_stay_unknown() -> None:
    # a 900-term chain of names used to take a quadratic walk (30 s); it is now one bounded fold
    facts = parse_python("x = " + " + ".join(["a"] * 900) + "\ny = 60 * 5 + 2 ** 10\nz = -3 * 2\n")
    assert facts.error is None
    assert ("y", 1324, 2) in facts.assignments and ("z", -6, 3) in facts.assignments
    assert not any(name == "x" for name, _, _ in facts.assignments)


def test_terraform_block_lines_do_not_match_a_longer_name() -> None:
    from readycheck.parsers.terraform import parse_terraform

    tf = parse_terraform(
        'resource "aws_iam_policy" "agent_boundary" {\n  name = "b"\n}\n\n'
        'resource "aws_iam_policy" "agent" {\n  name = "a"\n}\n'
        "locals_file = 1\nlocals {\n  x = 1\n}\n"
    )
    lines = {(b.type, b.name): b.line for b in tf.blocks}
    assert lines[("aws_iam_policy", "agent_boundary")] == 1
    assert lines[("aws_iam_policy", "agent")] == 5


def test_a_section_runs_to_the_next_heading_of_its_level_or_higher() -> None:
    from readycheck.parsers.markdown import parse_headings, section_spans

    text = "# Runbook\nintro\n## Rollback\n1. undo\n### Verify\ncheck\n## Escalation\npage\n"
    spans = [(h.text, end) for h, end in section_spans(parse_headings(text), len(text.splitlines()))]
    assert spans == [("Runbook", 8), ("Rollback", 6), ("Verify", 6), ("Escalation", 8)]
