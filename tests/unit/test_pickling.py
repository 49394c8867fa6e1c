"""compact_pickle: parse products survive the trip through a process pool or the cache exactly."""

from __future__ import annotations

import dataclasses
import pickle

import pytest

from readycheck.parsers.pickling import compact_pickle


@compact_pickle
@dataclasses.dataclass(frozen=True, slots=True)
class _Call:
    name: str
    line: int
    kwargs: dict[str, str] = dataclasses.field(default_factory=dict)


@compact_pickle
@dataclasses.dataclass(frozen=True, slots=True)
class _One:
    only: tuple[int, ...]


@dataclasses.dataclass(frozen=True, slots=True)
class _Base:
    path: str


@compact_pickle
@dataclasses.dataclass(frozen=True, slots=True)
class _Derived(_Base):
    size: int


@pytest.mark.parametrize(
    "value",
    [_Call("openai.OpenAI", 3, {"timeout": "30"}), _One((1, 2)), _Derived("a.py", 10), [_Call("x", 1), _Call("x", 1)]],
    ids=["fields", "one-field", "inherited-slot", "shared"],
)
def test_round_trip_keeps_every_field_and_stays_frozen(value: object) -> None:
    back = pickle.loads(pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL))
    assert back == value and type(back) is type(value)
    first = back[0] if isinstance(back, list) else back
    with pytest.raises(dataclasses.FrozenInstanceError):
        setattr(first, dataclasses.fields(first)[0].name, None)


def test_state_is_the_field_tuple_and_a_state_of_another_layout_is_refused() -> None:
    call = _Call("x", 1, {"a": "b"})
    assert call.__getstate__() == ("x", 1, {"a": "b"})  # type: ignore[attr-defined]
    empty = object.__new__(_Call)
    with pytest.raises(ValueError):
        empty.__setstate__(("x", 1))  # type: ignore[attr-defined]  # a class layout with one field fewer



@compact_pickle
@dataclasses.dataclass(frozen=True, slots=True)
class _Named:
    qualname: str
    function: str | None
    args: tuple[str, ...]


def test_strings_of_entries_pickled_apart_are_shared_once_restored() -> None:
    # Two cache entries (two files) pickled apart: pickle alone would give each its own copies.
    name = "".join(["openai.OpenAI().chat.", "completions.create"])  # built at run time: not interned
    first = pickle.loads(pickle.dumps(_Named(name, "ask", (name,))))
    second = pickle.loads(pickle.dumps(_Named(name, "ask", (name,))))
    assert first == second == _Named(name, "ask", (name,))
    assert first.qualname is second.qualname  # `str` fields are interned
    assert first.function is second.function  # and `str | None` ones
    assert first.args[0] is not second.args[0]  # other fields are restored as they came


def test_a_str_field_restores_none_and_other_values_unchanged() -> None:
    odd = pickle.loads(pickle.dumps(_Named(None, None, ())))  # type: ignore[arg-type]
    assert odd.qualname is None and odd.function is None
