"""Parse `.arc` text into pragmas, exactly as @architect/parser 8 does.

`parse_arc(text, display)` returns the pragmas in file order; each `Item.value`
has Architect's parser JSON shape (see arc2tf/manifest.py). Bad input raises
`ArcErrors` with one kind-"manifest" error carrying Architect's error class
(`parser_error`), its line and column, and a hint.

Two stages:

1. Lark (grammar/arc.lark, LALR, built once per process) turns the text into
   lines of tokens. Lexing errors surface as Lark's `UnexpectedCharacters`
   and become Architect's UnknownCharacterError / CloseQuoteNotFoundError.
2. Architect's layout rules classify each value: one value on a line is a
   scalar; several are an array; a single value whose next line is indented
   two spaces starts a named vector or a map. Architect decides this with
   look-ahead heuristics over its token stream (`src/parser/get-type.js`,
   `_is-vector.js`, `_is-map.js`, `vector.js`, `map.js`); this module
   reproduces them, quirks included, because the point is to read a manifest
   the way Architect reads it. Each quirk is marked "Architect quirk:".

Architect re-scans the rest of the file for every value (quadratic: 1.35 s
for 3,000 routes). Here every look-ahead is answered from per-line tables
computed once, so parsing is linear in the file size.

Line numbers and columns are Architect's: a tab counts one column, columns
count UTF-16 code units, and newlines inside a quoted string do not start a
new line (Architect's lexer does not count them).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from functools import cache
from typing import Any

from lark import Lark, Token, Transformer
from lark.exceptions import UnexpectedCharacters, UnexpectedInput

from arc2tf.errors import KIND_MANIFEST, ArcError, ArcErrors
from arc2tf.manifest import Item, Pragma
from arc2tf.resources import grammar_dir

# Architect token kinds. Scalars are >= _STRING.
_PRAGMA, _COMMENT, _SPACE, _NEWLINE, _STRING, _NUMBER, _BOOLEAN = range(7)

# JavaScript's String.prototype.trim() whitespace (Python's str.strip() differs).
_JS_WHITESPACE = " \t\n\r\x0b\x0c\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008" \
    "\u2009\u200a\u2028\u2029\u202f\u205f\u3000\ufeff"
# JavaScript's /\#.*/gm: `.` stops at any JS line terminator.
_JS_COMMENT = re.compile(r"#[^\n\r\u2028\u2029]*")
_DASHERIZED = re.compile(r"[a-zA-Z0-9_-]+")


@dataclass(frozen=True)
class _Tok:
    """One token of Architect's lexer (a tab yields two space tokens)."""

    kind: int
    value: Any
    line: int
    column: int


class _Lines(Transformer):
    """Lark callbacks: keep each line's tokens; no tree is built."""

    def line(self, children: list[Token]) -> list[Token]:
        return children

    def tail(self, children: list[Token]) -> list[Token]:
        return children

    def start(self, children: list[list[Token]]) -> list[list[Token]]:
        return children


class _InvalidPragma(Exception):
    def __init__(self, token: Token):
        super().__init__(token.value)
        self.token = token


def _check_pragma(token: Token) -> Token:
    # Architect checks the pragma name while lexing, so a bad pragma is reported
    # before any later lexing error: raise from the lexer callback, in order.
    tidy = _JS_COMMENT.sub("", token.value)[1:].strip(_JS_WHITESPACE)
    if not _DASHERIZED.fullmatch(tidy):
        raise _InvalidPragma(token)
    return token


@cache
def _parser() -> Lark:
    return Lark.open(
        str(grammar_dir() / "arc.lark"),
        parser="lalr",
        lexer="basic",
        transformer=_Lines(),
        lexer_callbacks={"PRAGMA": _check_pragma},
        maybe_placeholders=False,
    )


def _utf16_len(text: str) -> int:
    if text.isascii():
        return len(text)
    return len(text) + sum(1 for ch in text if ord(ch) > 0xFFFF)


def _js_number(text: str) -> int | float:
    """JavaScript's Number(text) for what the NUMBER terminal matched."""
    body = text[1:] if text[0] == "-" else text
    if body == "Infinity":
        value = math.inf
    elif body[:2].lower() in ("0x", "0o", "0b"):
        try:
            value = float(int(body[2:], {"x": 16, "o": 8, "b": 2}[body[1].lower()]))
        except OverflowError:
            value = math.inf
    else:
        value = float(body)
    if text[0] == "-":
        value = -value
    # JSON.stringify prints integral numbers below 1e21 without a decimal point.
    if math.isfinite(value) and value.is_integer() and abs(value) < 1e21:
        return int(value)
    return value


class _Position:
    """Architect's (line, column) for an offset of the text."""

    def __init__(self, text: str):
        self.text = text

    def at(self, offset: int) -> tuple[int, int]:
        # Only real line breaks count: lex the prefix and find NEWLINE tokens
        # (a quoted string may hold newlines that Architect does not count).
        line, line_start = 1, 0
        prefix = self.text[:offset]
        try:
            for tok in _parser().lex(prefix):
                if tok.type == "NEWLINE":
                    line += 1
                    line_start = tok.end_pos
        except (UnexpectedInput, _InvalidPragma):
            pass  # the prefix lexed fine in the full text; a cut token at its end is harmless
        return line, _utf16_len(self.text[line_start:offset]) + 1


_HINTS = {
    "PragmaSyntaxError": "a pragma is `@` followed by letters, digits, `-` or `_` only, alone on its line "
                         "(a `# comment` may follow)",
    "CloseQuoteNotFoundError": "close the quoted string with the same quote character it starts with; "
                               "quoted strings cannot contain that quote",
    "UnknownCharacterError": "outside quotes, .arc values use letters, digits and "
                             "( ) / ~ - _ . , : $ * ? & ! % = + | ^ ' \" `; "
                             "quote the value if it needs other characters",
    "PragmaNotFound": "start the manifest with a pragma, e.g. `@app` followed by the app name "
                      "on the next line",
    "PragmaAlreadyDefined": "each pragma may appear once; merge the two sections",
    "MapNameNotString": "a map name (the unindented line above `key value` lines) must be a string, "
                        "not a number or boolean",
    "VectorNameNotString": "a vector name (the unindented line above its indented values) must be a string, "
                           "not a number or boolean",
    "MapKeyNotString": "map keys (the first word of each line indented two spaces) must be strings; "
                       "quote it if it looks like a number or boolean",
    "MapKeyUndefinedValue": "give the key a value on the same line (`key value`), or list its values "
                            "on the following lines indented four spaces",
    "TypeUnknownError": "indent the values of a vector or map by exactly two spaces under their name",
    "ValueBeforePragma": "move this value below a pragma line such as `@app`",
}


def _error(display: str, parser_error: str, message: str, line: int | None = None,
           column: int | None = None) -> ArcErrors:
    return ArcErrors([ArcError(kind=KIND_MANIFEST, message=message, file=display, line=line, column=column,
                               hint=_HINTS.get(parser_error), parser_error=parser_error)])


def _lex(text: str, display: str) -> list[_Tok]:
    """Architect's token stream: every space, newline and comment, with positions."""
    code = text + "\n"  # Architect terminates the code with a newline, then drops the last token
    try:
        lines = _parser().parse(code)
    except _InvalidPragma as exc:
        line, column = _Position(code).at(exc.token.start_pos)
        raise _error(display, "PragmaSyntaxError",
                     f'pragma "{exc.token.value}" has illegal character(s)', line, column) from None
    except UnexpectedCharacters as exc:
        line, column = _Position(code).at(exc.pos_in_stream)
        char = code[exc.pos_in_stream]
        if char in "\"'`":
            raise _error(display, "CloseQuoteNotFoundError", "closing quote not found",
                         line, column) from None
        shown = char if char.isprintable() else f"\\u{ord(char):04x}"
        raise _error(display, "UnknownCharacterError",
                     f'unknown character "{shown}" (U+{ord(char):04X})', line, column) from None
    except UnexpectedInput as exc:  # the grammar accepts every token sequence; kept for safety
        raise _error(display, "UnknownCharacterError", f"cannot read the manifest: {exc}") from None

    toks: list[_Tok] = []
    append = toks.append
    line, column = 1, 1
    swallowed = False
    for tokens in lines:
        for tok in tokens:
            kind = tok.type
            value = tok.value
            if kind == "BLANK":
                for ch in value:
                    append(_Tok(_SPACE, " ", line, column))
                    if ch == "\t":  # Architect quirk: a tab is two space tokens at one column
                        append(_Tok(_SPACE, " ", line, column))
                    column += 1
            elif kind == "NEWLINE":
                append(_Tok(_NEWLINE, "\n", line, column))
                line += 1
                column = 1
            elif kind == "BARE":
                append(_Tok(_STRING, value, line, column))
                column += len(value)
            elif kind == "QUOTED":
                append(_Tok(_STRING, value[1:-1], line, column))
                column += _utf16_len(value)
            elif kind == "NUMBER":
                append(_Tok(_NUMBER, _js_number(value), line, column))
                column += len(value)
            elif kind == "BOOLEAN":
                append(_Tok(_BOOLEAN, value == "true", line, column))
                column += len(value)
            elif kind == "COMMENT":
                append(_Tok(_COMMENT, value, line, column))
                column += _utf16_len(value)
            elif kind == "PRAGMA":
                append(_Tok(_PRAGMA, value[1:], line, column))
                column += _utf16_len(value)
            else:
                # SWALLOWED_*: Architect quirk: a quote whose first closing quote is
                # escaped swallows the rest of the file into one token, which the
                # lexer's final slice then drops.
                swallowed = True
    if not swallowed:
        toks.pop()  # the newline added above
    return toks


class _Layout:
    """Architect's value classification over one token stream, with O(1) look-ahead."""

    def __init__(self, toks: list[_Tok], display: str):
        self.toks = toks
        self.display = display
        # Lines as Architect's getLines() splits them: each ends with its newline token.
        starts: list[int] = []
        tok_line: list[int] = []
        at_line_start = True
        for i, tok in enumerate(toks):
            if at_line_start:
                starts.append(i)
                at_line_start = False
            tok_line.append(len(starts) - 1)
            if tok.kind == _NEWLINE:
                at_line_start = True
        n = len(starts)
        ends = starts[1:] + [len(toks)]
        self.starts, self.ends, self.tok_line, self.n = starts, ends, tok_line, n

        nonempty = [0] * n
        scalars = [0] * n
        two = [False] * n
        four = [False] * n
        first_scalar: list[_Tok | None] = [None] * n
        for k in range(n):
            s, e = starts[k], ends[k]
            ne = sc = 0
            first = None
            for t in toks[s:e]:
                if t.kind >= _STRING:
                    sc += 1
                    ne += 1
                    if first is None:
                        first = t
                elif t.kind == _PRAGMA:
                    ne += 1
            nonempty[k], scalars[k], first_scalar[k] = ne, sc, first
            two[k] = e - s >= 2 and toks[s].kind == _SPACE and toks[s + 1].kind == _SPACE
            four[k] = two[k] and e - s >= 4 and toks[s + 2].kind == _SPACE and toks[s + 3].kind == _SPACE
        self.nonempty, self.scalars, self.two, self.four = nonempty, scalars, two, four
        self.first_scalar = first_scalar

        # next_nonempty[k]: the first line after k with a value or pragma (n if none):
        # Architect's isVector/isMap skip lines holding only spaces and comments.
        next_nonempty = [n] * (n + 1)
        for k in range(n - 2, -1, -1):
            next_nonempty[k] = k + 1 if nonempty[k + 1] else next_nonempty[k + 1]
        # A "good" map line (isMap's isValidValue): two leading spaces and a value.
        valid = [two[k] and scalars[k] >= 1 for k in range(n)]
        # For isMap's checks over a run of good lines, the first offending line at or
        # after k (n if none); empty lines are transparent, as in Architect.
        invalid_from = [n] * (n + 1)
        badkey_from = [n] * (n + 1)
        undef_from = [n] * (n + 1)
        for k in range(n - 1, -1, -1):
            invalid_from[k] = k if (nonempty[k] and not valid[k]) else invalid_from[k + 1]
            bad = valid[k] and not four[k] and first_scalar[k] is not None and first_scalar[k].kind != _STRING
            badkey_from[k] = k if bad else badkey_from[k + 1]
            undef = False
            if valid[k] and scalars[k] == 1 and not four[k]:
                nxt = next_nonempty[k]
                # Architect quirk: a key with no value must be followed by a line with
                # exactly one value; when no good line follows at all, Architect crashes
                # with a TypeError: arc2tf reports MapKeyUndefinedValue there too.
                undef = nxt >= n or not valid[nxt] or scalars[nxt] != 1
            undef_from[k] = k if undef else undef_from[k + 1]
        self.next_nonempty, self.valid = next_nonempty, valid
        self.invalid_from, self.badkey_from, self.undef_from = invalid_from, badkey_from, undef_from

    def fail(self, parser_error: str, message: str, tok: _Tok | None) -> ArcErrors:
        if tok is None:
            return _error(self.display, parser_error, message)
        return _error(self.display, parser_error, message, tok.line, tok.column)

    # get-type.js
    def value_at(self, i: int) -> tuple[int, Any]:
        toks = self.toks
        k = self.tok_line[i]
        end_of_line = self.ends[k]
        single = sum(1 for t in toks[i:end_of_line] if t.kind >= _STRING or t.kind == _PRAGMA) == 1
        nxt = k + 1
        # Architect quirk: indentation is judged on the very next line, blank or not,
        # and a line of two spaces plus anything (even a comment) counts.
        indent = nxt < self.n and self.ends[nxt] - self.starts[nxt] >= 3 and self.two[nxt]
        if single and not indent:
            return 1, toks[i].value
        if not single:
            # An array: the rest of the line (a pragma on it is swallowed, as in Architect).
            return end_of_line - i, [t.value for t in toks[i:end_of_line] if t.kind >= _STRING]
        if self.is_vector(i, k):
            return self.vector(i, k)
        if self.is_map(i, k):
            return self.map(i, k)
        raise self.fail("TypeUnknownError", "type unknown", toks[i])

    # _is-vector.js
    def is_vector(self, i: int, k: int) -> bool:
        first = self.next_nonempty[k]
        if first >= self.n:
            return False
        count = self.scalars[first]
        # Architect quirk: it means to require two leading spaces here but tests the
        # helper function itself (always truthy), so any indentation qualifies.
        if count != 1:
            return False
        second = self.next_nonempty[first]
        if second < self.n and self.four[second] and self.scalars[second] == 1:
            return False  # a map whose first key holds a vector
        if self.toks[i].kind != _STRING:
            raise self.fail("VectorNameNotString", "vector name is not a string", self.toks[i])
        return True

    # _is-map.js
    def is_map(self, i: int, k: int) -> bool:
        first = self.next_nonempty[k]
        if first >= self.n or not self.valid[first]:
            return False
        run_end = self.invalid_from[first]
        name = self.toks[i]
        if name.kind != _STRING:
            raise self.fail("MapNameNotString", "map name is not a string", name)
        bad = self.badkey_from[first]
        if bad < run_end:
            raise self.fail("MapKeyNotString", "map key is not a string", self.first_scalar[bad])
        undef = self.undef_from[first]
        if undef < run_end:
            raise self.fail("MapKeyUndefinedValue", "map value undefined", self.toks[self.starts[undef]])
        return True

    # vector.js
    def vector(self, i: int, k: int) -> tuple[int, Any]:
        toks = self.toks
        end = self.ends[k] - i
        values: list[Any] = []
        j = k + 1
        while j < self.n and self.two[j]:
            s, e = self.starts[j], self.ends[j]
            end += e - s
            values.extend(t.value for t in toks[s:e] if t.kind >= _STRING)
            j += 1
        return end, {toks[i].value: values}

    # map.js
    def map(self, i: int, k: int) -> tuple[int, Any]:
        toks = self.toks
        count = self.ends[k] - i
        keys: dict[str, list[Any]] = {}
        counted_values = 0
        multiline = False
        current: list[Any] | None = None
        j = k + 1
        while j < self.n:
            s, e = self.starts[j], self.ends[j]
            is_empty = self.nonempty[j] == 0
            if self.two[j] and e - s > 2 and toks[s + 2].kind == _STRING:
                multiline = self.scalars[j] == 1
                values: list[Any] = []
                if not multiline:
                    values = [t.value for t in toks[s + 3:e] if t.kind >= _STRING]
                    counted_values += e - s - 3
                else:
                    current = values
                keys[toks[s + 2].value] = values  # a repeated key replaces the earlier one
                # Architect quirk: the offset counts three tokens for the key, so the
                # rest of a key-only line (its newline) is not counted...
                count += 3
                j += 1
                continue
            if multiline and is_empty:
                counted_values += e - s
                j += 1
                continue
            if multiline:
                if self.four[j] and e - s > 4 and toks[s + 4].kind >= _STRING:
                    assert current is not None
                    current.extend(t.value for t in toks[s:e] if t.kind >= _STRING)
                    # ...and each value line is counted twice (5 + its length), so the
                    # parser skips that many tokens after a map whose keys hold vectors.
                    count += 5
                    counted_values += e - s
                else:
                    multiline = False  # Architect quirk: this line is skipped, not ended on
                j += 1
                continue
            break
        out: dict[str, Any] = {}
        for key, values in keys.items():
            out[key] = values[0] if len(values) == 1 else values
        return count + counted_values, {toks[i].value: out}


def parse_arc(text: str, display: str) -> tuple[Pragma, ...]:
    """Parse .arc text; `display` names the file in errors. Raises ArcErrors."""
    toks = _lex(text, display)
    pragma_toks = [t for t in toks if t.kind == _PRAGMA]
    if not pragma_toks:
        raise _error(display, "PragmaNotFound", "Architect files must contain at least one pragma")
    seen: set[str] = set()
    for t in pragma_toks:
        # Architect compares the raw token, trailing comment included.
        if t.value in seen:
            raise _error(display, "PragmaAlreadyDefined", f"@{t.value} pragma already defined",
                         t.line, t.column)
        seen.add(t.value)

    layout = _Layout(toks, display)
    # name -> (pragma token, items); a dict keeps first-seen order like a JS object.
    sections: dict[str, tuple[_Tok, list[Item]]] = {}
    current: list[Item] | None = None
    index = 0
    total = len(toks)
    while index < total:
        tok = toks[index]
        if tok.kind == _PRAGMA:
            name = _JS_COMMENT.sub("", tok.value).strip(_JS_WHITESPACE)
            current = []
            # Architect quirk: `@a` and `@a # note` pass the duplicate check, and the
            # later section then replaces the earlier one.
            sections[name] = (tok, current)
            index += 1
        elif tok.kind >= _STRING:
            end, value = layout.value_at(index)
            if current is None:
                # Architect crashes here (TypeError): a value above the first pragma.
                raise _error(display, "ValueBeforePragma", "a value appears before the first pragma",
                             tok.line, tok.column)
            current.append(Item(value=value, line=tok.line, column=tok.column))
            index += end
        else:
            index += 1
    return tuple(
        Pragma(name=name, items=tuple(items), line=tok.line, column=tok.column)
        for name, (tok, items) in sections.items()
    )
