"""Where each value of a JSON or YAML manifest starts, so its errors point at file:line:column.

`json.loads` and PyYAML's loader give values without positions. Rather than
parse a second way (and risk reading a value differently), the values still
come from those loaders and this module records, beside them, a `Spot` tree of
the same shape: each value's offset in the text and, for an object, each key's
offset and its value's `Spot`; for an array, its elements' `Spot`s. Only the
levels a manifest's pragmas and items live on are recorded (`depth`).

* JSON: `json_spots` runs after `json.loads` accepted the text, so the text is
  valid JSON: a few regular expressions find keys, commas and brackets, and
  json's own C scanner steps over each value (no second grammar to get wrong).
  A repeated key keeps the last occurrence, as `json.loads` keeps the last value.
* YAML: `yaml_spots` walks the node tree PyYAML composed (the one its
  constructor built the values from), keyed the way `manifest._as_json` keys
  the values (`str` of the constructed key).

`Locator` turns offsets into 1-based lines and columns counted as the `.arc`
parser counts them (parse.py): a line ends at "\\n", a tab is one column, and
columns count UTF-16 code units (as editors built on JavaScript do).
"""

from __future__ import annotations

import bisect
import json
import json.scanner
import re
from collections.abc import Callable
from itertools import accumulate
from typing import Any, TypeAlias

import yaml

__all__ = ["Locator", "Spot", "element", "entry", "json_constant_at", "json_spots", "yaml_spots"]

# Where a value starts (an offset into the text) and, when its parts were visited,
# where they start. Plain tuples: a manifest has one per item, built in a tight loop.
#   (offset, None)                         a scalar, or a value whose parts were not visited
#   (offset, {key: (key offset, Spot)})    an object; a repeated key keeps its last occurrence
#   (offset, [Spot, ...])                  an array
Spot: TypeAlias = "tuple[int, dict[str, tuple[int, Spot]] | list[Spot] | None]"


def entry(spot: Spot | None, key: str) -> tuple[int, Spot] | None:
    """The offset of `key` and its value's Spot, when `spot` is an object holding `key`."""
    parts = spot[1] if spot is not None else None
    return parts.get(key) if isinstance(parts, dict) else None


def element(spot: Spot | None, index: int) -> Spot | None:
    """The Spot of element `index`, when `spot` is an array that long."""
    parts = spot[1] if spot is not None else None
    return parts[index] if isinstance(parts, list) and 0 <= index < len(parts) else None


class Locator:
    """Offsets in a text to 1-based (line, column): "\\n" ends a line, columns in UTF-16 units."""

    __slots__ = ("_text", "_starts", "_ascii")

    def __init__(self, text: str):
        self._text = text
        self._starts: list[int] | None = None  # offsets where lines start, found on first use
        self._ascii = text.isascii()

    def __call__(self, offset: int) -> tuple[int, int]:
        starts = self._starts
        if starts is None:  # line k starts after the lengths of lines 0..k-1, each with its "\n"
            starts = self._starts = [0, *accumulate(map((1).__add__, map(len, self._text.split("\n"))))]
        index = bisect.bisect_right(starts, offset) - 1
        start = starts[index]
        if self._ascii:
            return index + 1, offset - start + 1
        return index + 1, _utf16_len(self._text[start:offset]) + 1


def _utf16_len(text: str) -> int:
    return len(text) + sum(1 for ch in text if ord(ch) > 0xFFFF)


# JSON's whitespace is these four characters only.
_JSON_SPACE = " \t\n\r"
_SKIP_SPACE = re.compile(r"[ \t\n\r]*")
# json's own (C) scanner reads or steps over one value: _SCAN(text, offset) -> (value, end offset).
_SCAN = json.scanner.make_scanner(json.JSONDecoder())


def json_spots(text: str, depth: int = 2) -> Spot | None:
    """The Spot tree of `text`, which `json.loads` has accepted, `depth` levels below the top.

    A manifest's items are two levels down (`{"http": [item, ...]}`, three in
    package.json); deeper values are stepped over by json's scanner at C speed,
    not visited. The text being valid JSON, only whitespace can stand between a
    comma and the next key, or a key and its colon: `str.index` finds those.
    """
    scan = _SCAN
    space = _JSON_SPACE
    skip = _SKIP_SPACE.match

    def visit(at: int, depth: int) -> tuple[Spot, int]:
        """The Spot of the object or array at `at`, and the offset after it."""
        end = at + 1
        if text[at] == "{":
            keys: dict[str, tuple[int, Spot]] = {}
            while True:
                char = text[end]
                if char in space:
                    end = skip(text, end).end()  # type: ignore[union-attr]  # matches anywhere
                    char = text[end]
                if char == "}":
                    return (at, keys), end + 1
                if char == ",":
                    end = text.index('"', end + 1)
                key_at = end
                key, end = scan(text, key_at)
                end = text.index(":", end) + 1
                if text[end] in space:
                    end = skip(text, end).end()  # type: ignore[union-attr]
                if depth > 1 and text[end] in "{[":
                    child, end = visit(end, depth - 1)
                else:
                    child, end = (end, None), scan(text, end)[1]
                keys[key] = (key_at, child)  # a repeated key: the last one's, as json.loads keeps
        items: list[Spot] = []
        while True:
            char = text[end]
            if char in space:
                end = skip(text, end).end()  # type: ignore[union-attr]
                char = text[end]
            if char == "]":
                return (at, items), end + 1
            if char == ",":
                end = skip(text, end + 1).end()  # type: ignore[union-attr]
            if depth > 1 and text[end] in "{[":
                child, end = visit(end, depth - 1)
            else:
                child, end = (end, None), scan(text, end)[1]
            items.append(child)

    start = skip(text).end()  # type: ignore[union-attr]
    if start == len(text):
        return None
    if depth <= 0 or text[start] not in "{[":
        return (start, None)
    return visit(start, depth)[0]


# Tokens outside strings, to find a constant json.loads refused.
_JSON_TOKEN = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"|[^\s{}\[\],:"]+')


def json_constant_at(text: str, name: str) -> int | None:
    """The offset of the first `name` (NaN, Infinity, -Infinity) outside strings, for its error."""
    for match in _JSON_TOKEN.finditer(text):
        if match.group().startswith(name):  # `NaNx`: json.loads calls the hook before it fails
            return match.start()
    return None


_YAML_STR = "tag:yaml.org,2002:str"


def yaml_spots(node: yaml.Node | None, construct_key: Callable[[yaml.Node], Any],
               depth: int = 2) -> Spot | None:
    """The Spot tree of a composed (and constructed) YAML node tree, `depth` levels below the top.

    `construct_key` gives a key node's value as the constructor built it; keys are
    `str` of that, as manifest._as_json makes them. A node reached twice through
    aliases gets one Spot (at its anchor), so an alias bomb costs nothing extra here.
    """
    if node is None:
        return None
    done: dict[tuple[int, int], Spot] = {}

    def spot_of(n: yaml.Node, depth: int) -> Spot:
        found = done.get((id(n), depth))
        if found is not None:
            return found
        spot: Spot
        if depth > 0 and isinstance(n, yaml.MappingNode):
            keys: dict[str, tuple[int, Spot]] = {}
            spot = (n.start_mark.index, keys)
            done[id(n), depth] = spot
            # After construction, merge keys (`<<`) are already flattened into n.value.
            for key_node, value_node in n.value:
                if isinstance(key_node, yaml.ScalarNode):  # others the constructor rejects (unhashable)
                    child = spot_of(value_node, depth - 1)
                    # A string key is its scalar's text (what SafeConstructor makes of it).
                    key = key_node.value if key_node.tag == _YAML_STR else str(construct_key(key_node))
                    keys[key] = (key_node.start_mark.index, child)
        elif depth > 0 and isinstance(n, yaml.SequenceNode):
            items: list[Spot] = []
            spot = (n.start_mark.index, items)
            done[id(n), depth] = spot
            items.extend(spot_of(value_node, depth - 1) for value_node in n.value)
        else:
            spot = (n.start_mark.index, None)
            done[id(n), depth] = spot
        return spot

    return spot_of(node, depth)
