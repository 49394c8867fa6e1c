from tools import TOOL_SCHEMAS, TOOLS


def test_every_tool_has_a_schema():
    names = {t["function"]["name"] for t in TOOL_SCHEMAS}
    assert names == set(TOOLS)
