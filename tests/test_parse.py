"""The .arc parser: every syntax feature and error, with Architect's lines and columns.

`test_matches_architect_parser` runs the inputs in tests/parser_oracle/cases.json
(hand-picked edge cases and seeded random manifests) and compares with what
@architect/parser 8.0.1 itself returned for them (see generate.py there).
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path
from typing import Any

import pytest
from lark import Token

from arc2tf import parse
from arc2tf.errors import KIND_MANIFEST, ArcError, ArcErrors, ArcWarning
from arc2tf.parse import parse_arc

ORACLE = json.loads((Path(__file__).parent / "parser_oracle" / "cases.json").read_text(encoding="utf-8"))


def arc(text: str) -> dict[str, list[Any]]:
    return {p.name: [i.value for i in p.items] for p in parse_arc(text, "app.arc")}


def error(text: str) -> ArcError:
    with pytest.raises(ArcErrors) as caught:
        parse_arc(text, "app.arc")
    (err,) = caught.value.errors
    return err


def js_shape(value: Any) -> Any:
    """What JSON.stringify would show: non-finite numbers as the oracle spells them."""
    if isinstance(value, float) and not math.isfinite(value):
        return "Infinity" if value > 0 else "-Infinity"
    if isinstance(value, list):
        return [js_shape(v) for v in value]
    if isinstance(value, dict):
        return {k: js_shape(v) for k, v in value.items()}
    return value


def _oracle_mismatch(case: dict[str, Any]) -> str | None:
    """None when arc2tf reads the case as Architect did, else what differs."""
    text = case["input"]
    if "ok" in case:
        try:
            pragmas = parse_arc(text, "app.arc")
        except ArcErrors as exc:
            return f"Architect parsed it, arc2tf raised {exc.errors[0].parser_error}: {exc}"
        got = {p.name: [js_shape(i.value) for i in p.items] for p in pragmas}
        if [p.name for p in pragmas] != case["pragmas"] or got != case["ok"]:
            return f"expected {case['ok']}, got {got}"
        return None
    expected = case["error"]
    try:
        parse_arc(text, "app.arc")
    except ArcErrors as exc:
        err = exc.errors[0]
    else:
        return f"expected {expected['name']}, parsed fine"
    if err.kind != KIND_MANIFEST:
        return f"kind {err.kind}"
    if expected["name"] == "TypeError":
        # Architect crashes on these; arc2tf names the problem instead.
        ok = err.parser_error in ("ValueBeforePragma", "MapKeyUndefinedValue")
        return None if ok else f"Architect crashed, arc2tf said {err.parser_error}"
    got = (err.parser_error, err.line, err.column)
    if got != (expected["name"], expected["line"], expected["column"]):
        return f"expected {expected}, got {got}"
    core = re.sub(r" \(line: \d+ column: \d+\)$", "", expected["message"])
    if err.parser_error == "UnknownCharacterError":
        # JavaScript shows the first UTF-16 unit of the character; arc2tf shows it whole.
        return None if err.message.startswith('unknown character "') else err.message
    if err.parser_error != "TypeUnknownError" and err.message != core:
        return f"message {err.message!r} != {core!r}"
    return None


def test_matches_architect_parser() -> None:
    assert len(ORACLE) > 400
    mismatches = [(case["input"], why) for case in ORACLE if (why := _oracle_mismatch(case))]
    assert mismatches == []


# --- scalars, arrays, strings, comments ------------------------------------


def test_scalars_are_strings_numbers_and_booleans_with_positions() -> None:
    (pragma,) = parse_arc("@p\nword\n42\n-1.5\ntrue\nfalse\n", "app.arc")
    assert [(i.value, i.line, i.column) for i in pragma.items] == [
        ("word", 2, 1), (42, 3, 1), (-1.5, 4, 1), (True, 5, 1), (False, 6, 1)]
    assert type(pragma.items[1].value) is int
    assert (pragma.name, pragma.line, pragma.column) == ("p", 1, 1)


def test_numbers_read_as_javascript_number_does() -> None:
    assert arc("@p\n0x1F 0o17 0b101 1e3 1.5e-2 -.5 1. 007 -0\n") == {
        "p": [[31, 15, 5, 1000, 0.015, -0.5, 1, 7, 0]]}
    assert arc("@p\n1e400 -Infinity\n")["p"][0] == [math.inf, -math.inf]


def test_words_that_only_start_like_numbers_or_booleans_are_strings() -> None:
    assert arc("@p\n1.2.3 -0x5 1_000 trueish falsey 2021-01-01\n") == {
        "p": [["1.2.3", "-0x5", "1_000", "trueish", "falsey", "2021-01-01"]]}


def test_several_words_on_a_line_are_an_array() -> None:
    (pragma,) = parse_arc("@http\nget /\npost /things/:id\n", "app.arc")
    assert [(i.value, i.line) for i in pragma.items] == [(["get", "/"], 2), (["post", "/things/:id"], 3)]


def test_quoted_strings_keep_spaces_and_hash_signs() -> None:
    assert arc('@p\n"a # b" \'c  d\' `e`\n') == {"p": [["a # b", "c  d", "e"]]}


def test_quotes_after_the_first_character_are_part_of_a_bare_word() -> None:
    assert arc("@p\nfoo\"bar it's x`y\n") == {"p": [['foo"bar', "it's", "x`y"]]}


def test_comments_start_anywhere_even_mid_word() -> None:
    text = "# top\n@app # the name\nmy-app#inline\n@http\nget /a#b # c\n  # indented comment\n"
    assert arc(text) == {"app": ["my-app"], "http": [["get", "/a"]]}


def test_a_quoted_string_may_span_lines_without_counting_them() -> None:
    (pragma,) = parse_arc("@p\n'two\nlines' x\nnext\n", "app.arc")
    assert [(i.value, i.line) for i in pragma.items] == [(["two\nlines", "x"], 2), ("next", 3)]


def test_columns_count_utf16_units_like_javascript() -> None:
    err = error('@p\n"🤠 wide" {\n')
    assert (err.parser_error, err.line, err.column) == ("UnknownCharacterError", 2, 11)


# --- vectors and maps -------------------------------------------------------


def test_named_vector_by_two_space_indentation() -> None:
    (pragma,) = parse_arc("@static\nignore\n  a\n  b # c\nspa true\n", "app.arc")
    assert [(i.value, i.line, i.column) for i in pragma.items] == [
        ({"ignore": ["a", "b"]}, 2, 1), (["spa", True], 5, 1)]


def test_map_of_keys_with_values_and_lists() -> None:
    text = "@tables\ndata\n  scopeID *String\n  list 1 2 three\n  stream true\nnext\n"
    assert arc(text) == {"tables": [
        {"data": {"scopeID": "*String", "list": [1, 2, "three"], "stream": True}}, "next"]}


def test_map_key_holding_a_vector_by_four_space_indentation() -> None:
    text = "@p\ncats\n  house\n    tabby\n    tortoise\n  jungle tiger\n"
    assert arc(text) == {"p": [{"cats": {"house": ["tabby", "tortoise"], "jungle": "tiger"}}]}


def test_a_repeated_map_key_keeps_the_last_value() -> None:
    assert arc("@p\nm\n  k one\n  k two\n") == {"p": [{"m": {"k": "two"}}]}


def test_tabs_read_as_two_spaces() -> None:
    assert arc("@p\nvec\n\tone\n\ttwo\nm\n\tk v\n") == {"p": [{"vec": ["one", "two"]}, {"m": {"k": "v"}}]}


def test_a_blank_line_ends_a_map_and_a_vector() -> None:
    assert arc("@p\nm\n  k v\n\n  x y\nv\n  a\n\n  b\n") == {
        "p": [{"m": {"k": "v"}}, ["x", "y"], {"v": ["a"]}, "b"]}


def test_a_blank_line_between_a_name_and_indented_values_makes_them_scalars() -> None:
    assert arc("@p\nname\n\n  value\n") == {"p": ["name", "value"]}


@pytest.mark.parametrize("variant", [
    "@app\nmy-app\n@http\nget /\n",
    "@app\nmy-app\n@http\nget /",
    "@app\r\nmy-app\r\n@http\r\nget /\r\n",
    "@app\rmy-app\r@http\rget /\r",
    "\n\n@app\n\nmy-app\n\n\n@http\nget /\n\n\n",
    "@app  \nmy-app  \n@http\t\nget /  \n",
])
def test_line_endings_blank_lines_and_trailing_space_do_not_matter(variant: str) -> None:
    assert arc(variant) == {"app": ["my-app"], "http": [["get", "/"]]}


def test_crlf_keeps_line_numbers() -> None:
    (_, http) = parse_arc("@app\r\nx\r\n@http\r\n\r\nget /\r\n", "app.arc")
    assert (http.line, http.items[0].line) == (3, 5)


# --- Architect's quirks, kept on purpose ------------------------------------


def test_same_pragma_with_a_comment_is_not_a_duplicate_and_the_later_one_wins() -> None:
    assert arc("@app\nx\n@app # again\ny\n") == {"app": ["y"]}


def test_a_pragma_after_a_value_on_its_line_is_swallowed_by_the_array() -> None:
    assert arc("@a\nx @b\n@c\nz\n") == {"a": [["x"]], "c": ["z"]}


def test_an_escaped_closing_quote_swallows_the_rest_of_the_file() -> None:
    assert arc('@p\nkeep "a\\"b" gone\n@q\nlost\n') == {"p": ["keep"]}


def test_an_indented_comment_line_opens_an_empty_vector() -> None:
    assert arc("@p\nvec\n  # only a comment\nnext\n") == {"p": [{"vec": []}, "next"]}


def test_a_map_whose_key_holds_a_vector_skips_what_follows_as_architect_does() -> None:
    # Architect's map() counts each vector line twice, so its parser resumes past
    # the following tokens: here @q and its value are never read.
    assert arc("@p\nm\n  k\n    v1\n    v2\n@q\na\nb c\n") == {"p": [{"m": {"k": ["v1", "v2"]}}]}


def test_a_vector_with_several_values_on_one_line_takes_them_all() -> None:
    assert arc("@p\nv\n  a\n  b c\n") == {"p": [{"v": ["a", "b", "c"]}]}


def warnings_of(text: str) -> list[tuple[int | None, int | None, str]]:
    warnings: list[ArcWarning] = []
    parse_arc(text, "app.arc", warnings)
    assert all(w.file == "app.arc" and w.hint for w in warnings)
    return [(w.line, w.column, w.message) for w in warnings]


def test_what_architect_silently_drops_is_warned_about() -> None:
    ((line, column, message),) = warnings_of("@p\nm\n  k\n    v1\n    v2\n@q\na\nb c\n")
    assert (line, column) == (6, 1)
    assert message.startswith("Architect's parser skips `@q` and 3 more value(s) up to line 8")
    ((line, column, message),) = warnings_of("@a\nx @b\n@c\nz\n")
    assert (line, column) == (2, 3) and "`@b`" in message
    ((line, column, message),) = warnings_of('@p\nkeep "a\\"b" gone\n@q\nlost\n')
    assert (line, column) == (2, 6) and "to the end of the file" in message
    ((line, column, message),) = warnings_of("@app\nx\n@app # again\ny\n")
    assert (line, column) == (3, 1) and "drops the earlier one" in message


def test_well_formed_manifests_have_no_warnings() -> None:
    text = "@app\nx\n@http\nget /\n@aws\nlayers\n  a\n@tables\nt\n  pk *String\n@p\nm\n  k\n    v\n"
    assert warnings_of(text) == []


# --- errors -----------------------------------------------------------------


@pytest.mark.parametrize(("text", "parser_error", "line", "column", "message"), [
    ("@pragm&\n", "PragmaSyntaxError", 1, 1, 'pragma "@pragm&" has illegal character(s)'),
    ("\n@sok sun\nx\n", "PragmaSyntaxError", 2, 1, 'pragma "@sok sun" has illegal character(s)'),
    ("@app\nx\n  @\n", "PragmaSyntaxError", 3, 3, 'pragma "@" has illegal character(s)'),
    ("\n@hi\n@hi\n", "PragmaAlreadyDefined", 3, 1, "@hi pragma already defined"),
    ("# nothing to see\n", "PragmaNotFound", None, None, "Architect files must contain at least one pragma"),
    ("", "PragmaNotFound", None, None, "Architect files must contain at least one pragma"),
    ('@pragma\n    "uh oh\n', "CloseQuoteNotFoundError", 2, 5, "closing quote not found"),
    ("@p\nok `never closed\n", "CloseQuoteNotFoundError", 2, 4, "closing quote not found"),
    ("🤠\n", "UnknownCharacterError", 1, 1, 'unknown character "🤠" (U+1F920)'),
    ("@p\nsemi;colon\n", "UnknownCharacterError", 2, 5, 'unknown character ";" (U+003B)'),
    ("@p\nok\n{bad}\n", "UnknownCharacterError", 3, 1, 'unknown character "{" (U+007B)'),
    ("\ufeff@app\nx\n", "UnknownCharacterError", 1, 1, 'unknown character "\\ufeff" (U+FEFF)'),
    ("@pragma\nfalse\n  one oh\n", "MapNameNotString", 2, 1, "map name is not a string"),
    ("@pragma\n1\n  one\n  done\n", "VectorNameNotString", 2, 1, "vector name is not a string"),
    ("@pragma\nmap\n  two space\n  true oh\n", "MapKeyNotString", 4, 3, "map key is not a string"),
    ("@pragma\nmap\n  ruh roh\n  true\n    uh\n    oh\n", "MapKeyNotString", 4, 3, "map key is not a string"),
    ("\n@test\nobj\n  $k 666\n  undef # boom\n  asdf 1 2\n", "MapKeyUndefinedValue", 5, 1,
     "map value undefined"),
    ("@p\nm\n  k v\n  lonely\n", "MapKeyUndefinedValue", 4, 1, "map value undefined"),
    ("@p\nx\n  # c\n", "TypeUnknownError", 2, 1, "type unknown"),
    ("value\n@p\n", "ValueBeforePragma", 1, 1, "a value appears before the first pragma"),
])
def test_errors_name_architects_error_class_line_and_column(
        text: str, parser_error: str, line: int | None, column: int | None, message: str) -> None:
    err = error(text)
    assert (err.parser_error, err.line, err.column, err.message) == (parser_error, line, column, message)
    assert err.kind == KIND_MANIFEST
    assert err.file == "app.arc"
    assert err.hint


def test_the_first_error_in_the_file_is_reported() -> None:
    # Architect stops at its first lexing error; a later one is not reached.
    err = error("@ok\n@bad!\n{\n")
    assert (err.parser_error, err.line) == ("PragmaSyntaxError", 2)


# --- the grammar is the source of truth ------------------------------------


SAMPLES = [
    "@app\nmy-app # c\n@http\nget /things/:id\n",
    '@p\n"q # q" \'s\' `b` x"y 0x1F -1.5e3 true\tfalse trueish\n  \t ind\r\n\rlast',
    "@p\n'multi\nline' @q # c\n",
    '@p\nkeep "a\\"b" rest\n',
    "@p\n-Infinity 1. -.5 - -- 1e 0b2\n",
]


def _scan(code: str) -> list[tuple[str, str]]:
    scanner = parse._terminals()[0]
    out = []
    pos = 0
    while pos < len(code):
        m = scanner.match(code, pos)
        assert m is not None
        out.append((m.lastgroup, m.group()))
        pos = m.end()
    return out


@pytest.mark.parametrize("text", SAMPLES)
def test_scanner_agrees_with_larks_lexer_and_lalr_parser(text: str) -> None:
    code = text + "\n"
    lark_tokens = [(t.type, t.value) for t in parse.grammar().lex(code)]
    assert _scan(code) == lark_tokens
    tree = parse.grammar().parse(code)
    assert [(t.type, t.value) for t in tree.scan_values(lambda v: isinstance(v, Token))] == lark_tokens
    lines = [sub for sub in tree.children if sub.data == "line"]
    assert len(lines) == sum(1 for kind, _ in lark_tokens if kind == "NEWLINE")


def test_plain_line_shortcut_gives_the_scanners_tokens(monkeypatch: pytest.MonkeyPatch) -> None:
    def lines(source: str) -> Any:
        try:
            return parse._Lines(source, "app.arc").lines
        except ArcErrors as exc:
            return [(e.parser_error, e.line, e.column) for e in exc.errors]

    texts = SAMPLES + [case["input"] for case in ORACLE]
    fast = [lines(text) for text in texts]
    monkeypatch.setattr(parse, "_PLAIN_LINE", re.compile(r"(?!)"))  # every line through the scanner
    assert [lines(text) for text in texts] == fast


def test_grammar_is_loaded_once() -> None:
    assert parse.grammar() is parse.grammar()
