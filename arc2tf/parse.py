"""Parse `.arc` text into pragmas, exactly as @architect/parser 8 does.

`parse_arc(text, display, warnings=None)` returns the pragmas in file order;
each `Item.value` has Architect's parser JSON shape (see arc2tf/manifest.py).
Bad input raises `ArcErrors` with one kind-"manifest" error carrying
Architect's error class (`parser_error`), its line and column, and a hint.

Two stages:

1. Tokens: grammar/arc.lark defines them. It is loaded once with Lark (LALR);
   its terminals, in the order Lark's lexer tries them, are matched as one
   compiled pattern, and lines of plain words take a shortcut that yields the
   same tokens (tests check both against Lark's own lexer and parser). Text no
   terminal matches is Architect's UnknownCharacterError, or its
   CloseQuoteNotFoundError at an unclosed quote.
2. Layout: one value on a line is a scalar; several are an array; a single
   value whose next line is indented two spaces starts a named vector or a
   map. Architect decides this with look-ahead heuristics over its token
   stream (`src/parser/get-type.js`, `_is-vector.js`, `_is-map.js`,
   `vector.js`, `map.js`); this module reproduces them, quirks included,
   because the point is to read a manifest the way Architect reads it. Each
   quirk is marked "Architect quirk:". Where a quirk makes Architect silently
   lose part of the file, arc2tf loses it too and says so in a warning.

Architect re-scans the rest of the file for every value (quadratic: 1.35 s
for 3,000 routes). Here lines are summarised once and each look-ahead is
answered from those summaries (a run of map lines is checked once), so
parsing is linear in the file size.

Line numbers and columns are Architect's: a tab counts one column, columns
count UTF-16 code units, and newlines inside a quoted string do not start a
new line (Architect's lexer does not count them).
"""

from __future__ import annotations

import math
import re
from bisect import bisect_right
from decimal import Decimal
from functools import cache
from typing import Any

from lark import Lark

from arc2tf.errors import KIND_MANIFEST, ArcError, ArcErrors, ArcWarning
from arc2tf.manifest import Item, Pragma
from arc2tf.resources import grammar_dir

# Architect token kinds. Scalars are >= _STRING; "non-empty" tokens are scalars and pragmas.
_PRAGMA, _COMMENT, _SPACE, _NEWLINE, _STRING, _NUMBER, _BOOLEAN = range(7)

# Architect's algorithms count tokens (every space is one), but only the
# non-empty ones carry data. So a line is stored as its token count and its
# non-empty tokens, each with its offset among the line's tokens:
#   item = (offset, kind, value, column)
#   line = (line number, token count, leading space tokens, kind of the token
#           after them (-1 if none), items, number of scalars, bitmask of the
#           scalar items, the scalars' values)
_OFFSET, _KIND, _VALUE, _COLUMN = range(4)
_LNO, _NTOKS, _LEAD, _LEAD_KIND, _ITEMS, _NSCALARS, _SCALAR_MASK, _VALUES = range(8)
_Item = tuple[int, int, Any, int]
_Line = tuple[int, int, int, int, list[_Item], int, int, list[Any]]

# JavaScript's String.prototype.trim() whitespace (Python's str.strip() differs).
_JS_WHITESPACE = " \t\n\r\x0b\x0c\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008" \
    "\u2009\u200a\u2028\u2029\u202f\u205f\u3000\ufeff"
# JavaScript's /\#.*/gm: `.` stops at any JS line terminator.
_JS_COMMENT = re.compile(r"#[^\n\r\u2028\u2029]*")
_DASHERIZED = re.compile(r"[a-zA-Z0-9_-]+")
# One physical line and its line break (the text always ends with a newline).
_PHYSICAL_LINE = re.compile(r"([^\r\n]*)(\r\n|\r|\n)")
# A line of plain words: spaces and the characters every BARE word may hold
# (no quotes, `#`, `@`, tabs or anything else a terminal treats specially).
# Such a line splits on spaces into exactly the tokens the grammar's terminals
# give it; any other line goes through the full scanner. tests/test_parse.py
# checks the two paths agree with Lark's own lexer.
_PLAIN_LINE = re.compile(r"[ A-Za-z0-9_()/~\-.,:$*?&!%=+|^]*")


@cache
def grammar() -> Lark:
    """grammar/arc.lark, loaded once per process (LALR tables, terminals)."""
    # cache=True: Lark keeps the built parser in a temp file keyed by the grammar's hash.
    return Lark.open(str(grammar_dir() / "arc.lark"), parser="lalr", lexer="basic", maybe_placeholders=False,
                     cache=True)


@cache
def _terminals() -> tuple[re.Pattern[str], re.Pattern[str], re.Pattern[str]]:
    """The scanner (every terminal, in the order Lark's lexer tries them), and NUMBER and BOOLEAN.

    Lark's own lexer and LALR parser cost about 20 microseconds a token on these
    machines (a 3,000-route manifest: 280 ms), and the grammar's rules are a
    regular language (a line is pieces up to a NEWLINE), so parse_arc matches the
    grammar's terminals with compiled patterns and splits lines itself.
    """
    lark = grammar()
    ordered = sorted(lark.terminals,
                     key=lambda t: (-t.priority, -t.pattern.max_width, -len(t.pattern.value), t.name))
    scanner = re.compile("|".join(f"(?P<{t.name}>{t.pattern.to_regexp()})" for t in ordered))
    by_name = {t.name: re.compile(t.pattern.to_regexp()) for t in lark.terminals}
    return scanner, by_name["NUMBER"], by_name["BOOLEAN"]


def _pragma_is_valid(raw: str) -> bool:
    # Architect: drop `# comment`s, the `@`, surrounding whitespace; the rest must be dasherized.
    return _DASHERIZED.fullmatch(_JS_COMMENT.sub("", raw)[1:].strip(_JS_WHITESPACE)) is not None


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
    # JSON.stringify prints integral numbers below 1e21 without a decimal point,
    # with the shortest digits that round-trip (12345678901234567890 -> ...567000).
    if math.isfinite(value) and value.is_integer() and abs(value) < 1e21:
        return int(value) if abs(value) < 2**53 else int(Decimal(repr(value)))
    return value


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



def _error(display: str, parser_error: str, message: str, line: int | None = None,
           column: int | None = None) -> ArcErrors:
    return ArcErrors([ArcError(kind=KIND_MANIFEST, message=message, file=display, line=line, column=column,
                               hint=_HINTS.get(parser_error), parser_error=parser_error)])


class _Lines:
    """Architect's token stream, line by line (lines as its getLines() splits them)."""

    def __init__(self, text: str, display: str):
        self.display = display
        self.lines: list[_Line] = []
        self.pragmas: list[tuple[str, int, int]] = []  # (raw value, line, column), in order
        self.swallowed_at: tuple[int, int] | None = None
        self._lex(text + "\n")  # Architect terminates the code with a newline, then drops the last token
        if self.swallowed_at is None and self.lines:
            lno, ntoks, lead, lead_kind, items, nscalars, mask, values = self.lines.pop()
            if ntoks > 1:  # else the line held only that newline
                lead_kind = lead_kind if lead < ntoks - 1 else -1
                self.lines.append((lno, ntoks - 1, lead, lead_kind, items, nscalars, mask, values))

    def _lex(self, code: str) -> None:
        append = self.lines.append
        scanner, number, boolean = _terminals()
        plain = _PLAIN_LINE.fullmatch
        # Physical lines, split at C speed (the code ends with a line break).
        if "\r" in code:
            pairs = _PHYSICAL_LINE.findall(code)
            bodies = [body for body, _ in pairs]
            breaks = [len(brk) for _, brk in pairs]
        else:
            bodies = code.split("\n")[:-1]
            breaks = None
        pos, lno, index, count = 0, 1, 0, len(bodies)
        while index < count:
            body = bodies[index]
            if not plain(body):
                end = self._scan_line(code, pos, lno, scanner)
                lno += 1
                while index < count and pos < end:  # a quoted string may span physical lines
                    pos += len(bodies[index]) + (breaks[index] if breaks else 1)
                    index += 1
                continue
            pos += len(body) + (breaks[index] if breaks else 1)
            index += 1
            # Plain words split on spaces give the same tokens the scanner would:
            # word, space, word; an empty part is a second space.
            items: list[_Item] = []
            values: list[Any] = []
            offset, column = -1, 0
            for word in body.split(" "):
                offset += 1
                column += 1
                if not word:
                    continue
                first = word[0]
                if first in "tf" and (b := boolean.match(word + " ")) and b.end() == len(word):
                    value: Any = word == "true"
                    items.append((offset, _BOOLEAN, value, column))
                elif first in "-0123456789" and (n := number.match(word + " ")) and n.end() == len(word):
                    value = _js_number(word)
                    items.append((offset, _NUMBER, value, column))
                else:
                    value = word
                    items.append((offset, _STRING, word, column))
                values.append(value)
                offset += 1
                column += len(word)
            lead = len(body) - len(body.lstrip(" "))
            append((lno, offset + 1, lead, items[0][_KIND] if items else _NEWLINE, items, len(items),
                    (1 << len(items)) - 1, values))
            lno += 1

    def _scan_line(self, code: str, pos: int, lno: int, scanner: re.Pattern[str]) -> int:
        """Lex one Architect line with the full scanner; return where the next one starts."""
        items: list[_Item] = []
        offset = 0
        lead = 0
        lead_kind = -1
        column = 1
        match = scanner.match
        size = len(code)
        while pos < size:
            m = match(code, pos)
            if m is None:
                char = code[pos]
                if char in "\"'`":
                    raise _error(self.display, "CloseQuoteNotFoundError", "closing quote not found",
                                 lno, column)
                shown = char if char.isprintable() else f"\\u{ord(char):04x}"
                raise _error(self.display, "UnknownCharacterError",
                             f'unknown character "{shown}" (U+{ord(char):04X})', lno, column)
            kind = m.lastgroup
            value = m.group()
            pos = m.end()
            if kind == "BLANK":
                # Architect quirk: a tab is two space tokens at one column.
                count = len(value) + value.count("\t")
                if offset == lead:
                    lead += count
                offset += count
                column += len(value)
                continue
            if kind == "BARE":
                item: _Item = (offset, _STRING, value, column)
                column += len(value)
            elif kind == "QUOTED":
                # Architect quirk: newlines inside quotes do not advance the line count.
                item = (offset, _STRING, value[1:-1], column)
                column += _utf16_len(value)
            elif kind == "NUMBER":
                item = (offset, _NUMBER, _js_number(value), column)
                column += len(value)
            elif kind == "BOOLEAN":
                item = (offset, _BOOLEAN, value == "true", column)
                column += len(value)
            elif kind == "PRAGMA":
                if not _pragma_is_valid(value):
                    raise _error(self.display, "PragmaSyntaxError",
                                 f'pragma "{value}" has illegal character(s)', lno, column)
                item = (offset, _PRAGMA, value[1:], column)
                self.pragmas.append((value[1:], lno, column))
                column += _utf16_len(value)
            elif kind == "COMMENT":
                if offset == lead:
                    lead_kind = _COMMENT
                offset += 1
                column += _utf16_len(value)
                continue
            elif kind == "NEWLINE":
                if offset == lead:
                    lead_kind = _NEWLINE
                offset += 1
                break
            else:
                # SWALLOWED_*: Architect quirk: a quote whose first closing quote is
                # escaped swallows the rest of the file into one token, which the
                # lexer's final slice then drops.
                self.swallowed_at = (lno, column)
                pos = size
                break
            if offset == lead:
                lead_kind = item[_KIND]
            items.append(item)
            offset += 1
        if offset:
            mask = 0
            values: list[Any] = []
            for index, item in enumerate(items):
                if item[_KIND] != _PRAGMA:
                    mask |= 1 << index
                    values.append(item[_VALUE])
            self.lines.append((lno, offset, lead, lead_kind, items, len(values), mask, values))
        return pos


class _Layout:
    """Architect's value classification (get-type.js and friends) with O(1) look-ahead."""

    def __init__(self, lines: _Lines):
        self.lines = lines.lines
        self.display = lines.display
        self.n = len(self.lines)
        # isMap's checks, filled in per run of "good" lines the first time one is asked about
        # (see map_checks); -1 = not computed yet.
        self._run_end = [-1] * self.n
        self._bad_key = [-1] * self.n
        self._undefined = [-1] * self.n
        # Per line, a bitmask of the items Architect's parser reads (into a value or as a
        # pragma); what is never read is skipped silently by Architect, and warned about here.
        self.read = [0] * self.n

    def mark_scalars(self, k: int, start: int = 0) -> None:
        """Mark line k's scalar items from index `start` on as read."""
        self.read[k] |= self.lines[k][_SCALAR_MASK] >> start << start

    def fail(self, parser_error: str, message: str, line: int | None, column: int | None) -> ArcErrors:
        return _error(self.display, parser_error, message, line, column)

    def next_nonempty(self, k: int) -> int:
        """The next line after k holding a value or pragma (n if none).

        Architect's isVector/isMap look past lines of only spaces and comments.
        """
        lines, n = self.lines, self.n
        k += 1
        while k < n and not lines[k][_ITEMS]:
            k += 1
        return k

    def is_good(self, k: int) -> bool:
        """isMap's isValidValue: two leading spaces and a value."""
        line = self.lines[k]
        return line[_LEAD] >= 2 and line[_NSCALARS] >= 1

    def map_checks(self, first: int) -> tuple[int, int, int]:
        """For the run of good lines starting at `first`: where it ends, and the first
        line with a non-string key and the first key left without a value (n if none).

        Each run is walked once and its answers kept for every line in it, so the
        look-ahead stays linear however often Architect's rules ask.
        """
        if self._run_end[first] < 0:
            lines, n = self.lines, self.n
            run = []
            k = first
            while k < n and self.is_good(k):
                run.append(k)
                k = self.next_nonempty(k)
            run_end, bad_key, undefined = k, n, n
            for k in reversed(run):
                line = lines[k]
                four = line[_LEAD] >= 4
                if not four and _first_scalar(line)[_KIND] != _STRING:
                    bad_key = k
                if line[_NSCALARS] == 1 and not four:
                    after = self.next_nonempty(k)
                    # Architect quirk: a key with no value must be followed by a line with
                    # exactly one value; when no good line follows at all, Architect crashes
                    # with a TypeError: arc2tf reports MapKeyUndefinedValue there too.
                    if after >= n or not self.is_good(after) or lines[after][_NSCALARS] != 1:
                        undefined = k
                self._run_end[k], self._bad_key[k], self._undefined[k] = run_end, bad_key, undefined
        return self._run_end[first], self._bad_key[first], self._undefined[first]

    # get-type.js
    def value_at(self, k: int, j: int) -> tuple[int, Any]:
        """The value starting at item j of line k: (tokens it spans, value)."""
        line = self.lines[k]
        items = line[_ITEMS]
        item = items[j]
        nxt = k + 1
        # Architect quirk: indentation is judged on the very next line, blank or not,
        # and a line of two spaces plus anything (even a comment) counts.
        indent = nxt < self.n and self.lines[nxt][_LEAD] >= 2 and self.lines[nxt][_NTOKS] >= 3
        single = len(items) - j == 1
        if single and not indent:
            return 1, item[_VALUE]
        if not single:
            # An array: the rest of the line (a pragma on it is swallowed, as in Architect).
            self.mark_scalars(k, j)
            return line[_NTOKS] - item[_OFFSET], [i[_VALUE] for i in items[j:] if i[_KIND] != _PRAGMA]
        if self.is_vector(k, item):
            return self.vector(k, item)
        if self.is_map(k, item):
            return self.map(k, item)
        raise self.fail("TypeUnknownError", "type unknown", line[_LNO], item[_COLUMN])

    # _is-vector.js
    def is_vector(self, k: int, name: _Item) -> bool:
        first = self.next_nonempty(k)
        # Architect quirk: it means to require two leading spaces on that line but
        # tests the helper function itself (always truthy), so any indentation does.
        if first >= self.n or self.lines[first][_NSCALARS] != 1:
            return False
        second = self.next_nonempty(first)
        if second < self.n and self.lines[second][_LEAD] >= 4 and self.lines[second][_NSCALARS] == 1:
            return False  # a map whose first key holds a vector
        if name[_KIND] != _STRING:
            raise self.fail("VectorNameNotString", "vector name is not a string", self.lines[k][_LNO],
                            name[_COLUMN])
        return True

    # _is-map.js
    def is_map(self, k: int, name: _Item) -> bool:
        first = self.next_nonempty(k)
        if first >= self.n or not self.is_good(first):
            return False
        run_end, bad, undef = self.map_checks(first)
        if name[_KIND] != _STRING:
            raise self.fail("MapNameNotString", "map name is not a string", self.lines[k][_LNO],
                            name[_COLUMN])
        if bad < run_end:
            raise self.fail("MapKeyNotString", "map key is not a string", self.lines[bad][_LNO],
                            _first_scalar(self.lines[bad])[_COLUMN])
        if undef < run_end:
            raise self.fail("MapKeyUndefinedValue", "map value undefined", self.lines[undef][_LNO], 1)
        return True

    # vector.js
    def vector(self, k: int, name: _Item) -> tuple[int, Any]:
        lines = self.lines
        end = lines[k][_NTOKS] - name[_OFFSET]
        values: list[Any] = []
        j = k + 1
        while j < self.n and lines[j][_LEAD] >= 2:
            end += lines[j][_NTOKS]
            values.extend(i[_VALUE] for i in lines[j][_ITEMS] if i[_KIND] != _PRAGMA)
            self.mark_scalars(j)
            j += 1
        return end, {name[_VALUE]: values}

    # map.js
    def map(self, k: int, name: _Item) -> tuple[int, Any]:
        lines = self.lines
        count = lines[k][_NTOKS] - name[_OFFSET]
        keys: dict[str, list[Any]] = {}
        counted_values = 0
        multiline = False
        current: list[Any] = []
        j = k + 1
        while j < self.n:
            line = lines[j]
            ntoks, lead, lead_kind, items = line[_NTOKS], line[_LEAD], line[_LEAD_KIND], line[_ITEMS]
            if lead == 2 and ntoks > 2 and lead_kind == _STRING:
                multiline = line[_NSCALARS] == 1
                values: list[Any] = []
                if multiline:
                    current = values
                    self.read[j] |= 1  # the key
                else:
                    values = [i[_VALUE] for i in items[1:] if i[_KIND] != _PRAGMA]
                    counted_values += ntoks - 3
                    self.mark_scalars(j)
                keys[items[0][_VALUE]] = values  # a repeated key replaces the earlier one
                # Architect quirk: the offset counts three tokens for the key, so the
                # rest of a key-only line (its newline) is not counted...
                count += 3
            elif multiline and not items:
                counted_values += ntoks
            elif multiline:
                if lead == 4 and ntoks > 4 and lead_kind >= _STRING:
                    current.extend(i[_VALUE] for i in items if i[_KIND] != _PRAGMA)
                    self.mark_scalars(j)
                    # ...and each value line is counted twice (5 + its length), so the
                    # parser skips that many tokens after a map whose keys hold vectors.
                    count += 5
                    counted_values += ntoks
                else:
                    multiline = False  # Architect quirk: this line is skipped, not ended on
            else:
                break
            j += 1
        out: dict[str, Any] = {}
        for key, values in keys.items():
            out[key] = values[0] if len(values) == 1 else values
        return count + counted_values, {name[_VALUE]: out}


def _first_scalar(line: _Line) -> _Item:
    return next(item for item in line[_ITEMS] if item[_KIND] != _PRAGMA)


def parse_arc(text: str, display: str, warnings: list[ArcWarning] | None = None) -> tuple[Pragma, ...]:
    """Parse .arc text; `display` names the file in errors. Raises ArcErrors.

    Where Architect's parser silently loses part of the manifest (see the quirks
    above), the result loses it too, and a warning saying so is appended to
    `warnings` when given.
    """
    parsed = _Lines(text, display)
    if not parsed.pragmas:
        raise _error(display, "PragmaNotFound", "Architect files must contain at least one pragma")
    seen: set[str] = set()
    for raw, line, column in parsed.pragmas:
        # Architect compares the raw token, trailing comment included.
        if raw in seen:
            raise _error(display, "PragmaAlreadyDefined", f"@{raw} pragma already defined", line, column)
        seen.add(raw)

    layout = _Layout(parsed)
    lines = parsed.lines
    n = len(lines)
    # Line k starts at token starts[k] of Architect's flat token stream; values
    # report how many tokens they span, which may end mid-line (see map()).
    starts = [0] * (n + 1)
    for k in range(n):
        starts[k + 1] = starts[k] + lines[k][_NTOKS]
    # name -> (line, column, items); a dict keeps first-seen order like a JS object.
    sections: dict[str, tuple[int, int, list[Item]]] = {}
    current: list[Item] | None = None
    k, offset = 0, 0
    while k < n:
        line = lines[k]
        items = line[_ITEMS]
        j = 0
        if offset:
            while j < len(items) and items[j][_OFFSET] < offset:
                j += 1
        if j == len(items):
            k, offset = k + 1, 0
            continue
        item = items[j]
        if item[_KIND] == _PRAGMA:
            name = _JS_COMMENT.sub("", item[_VALUE]).strip(_JS_WHITESPACE)
            current = []
            layout.read[k] |= 1 << j
            if name in sections and warnings is not None:
                earlier = sections[name][0]
                warnings.append(ArcWarning(
                    f"@{name} is defined again here (line {earlier} has it too); Architect keeps only "
                    "this later section and drops the earlier one", display, line[_LNO], item[_COLUMN],
                    f"merge the two @{name} sections into one"))
            # Architect quirk: `@a` and `@a # note` pass the duplicate check, and the
            # later section then replaces the earlier one.
            sections[name] = (line[_LNO], item[_COLUMN], current)
            offset = item[_OFFSET] + 1
            continue
        if j + 1 < len(items):
            # The common case, inlined: several values on the line are an array (value_at).
            if current is None:
                raise _error(display, "ValueBeforePragma", "a value appears before the first pragma",
                             line[_LNO], item[_COLUMN])
            if j == 0 and line[_NSCALARS] == len(items):
                value: Any = line[_VALUES]
                layout.read[k] = line[_SCALAR_MASK]
            else:
                value = [i[_VALUE] for i in items[j:] if i[_KIND] != _PRAGMA]
                layout.read[k] |= (line[_SCALAR_MASK] >> j << j) | 1 << j
            current.append(Item(value, line[_LNO], item[_COLUMN]))
            k, offset = k + 1, 0  # an array ends its line
            continue
        layout.read[k] |= 1 << j
        end, value = layout.value_at(k, j)
        if current is None:
            # Architect crashes here (TypeError): a value above the first pragma.
            raise _error(display, "ValueBeforePragma", "a value appears before the first pragma",
                         line[_LNO], item[_COLUMN])
        current.append(Item(value, line[_LNO], item[_COLUMN]))
        position = starts[k] + item[_OFFSET] + end
        if position == starts[k + 1]:
            k, offset = k + 1, 0
            continue
        if position > starts[k + 1]:
            k = bisect_right(starts, position, lo=k) - 1
        offset = position - starts[k] if k < n else 0
    if warnings is not None:
        warnings.extend(_skipped(layout, display))
        if parsed.swallowed_at is not None:
            line_number, column = parsed.swallowed_at
            warnings.append(ArcWarning(
                "Architect ignores everything from this quoted string to the end of the file: "
                "its closing quote follows a backslash", display, line_number, column,
                "remove the backslash; .arc strings have no escapes (use another quote character)"))
    return tuple(
        Pragma(name=name, items=tuple(items), line=line, column=column)
        for name, (line, column, items) in sections.items()
    )


def _skipped(layout: _Layout, display: str) -> list[ArcWarning]:
    """A warning per run of values and pragmas that Architect's parser never reads."""
    out: list[ArcWarning] = []
    run: list[tuple[int, _Item]] = []

    def flush() -> None:
        if not run:
            return
        (k, first), (last_k, _) = run[0], run[-1]
        lines = layout.lines
        what = f"`@{first[_VALUE]}`" if first[_KIND] == _PRAGMA else f"`{first[_VALUE]}`"
        more = f" and {len(run) - 1} more value(s) up to line {lines[last_k][_LNO]}" if len(run) > 1 else ""
        if first[_KIND] == _PRAGMA and first is not lines[k][_ITEMS][0]:
            hint = "put the pragma on a line of its own"
        else:
            hint = ("Architect's parser resumes past these after a map whose key holds a vector "
                    "(four-space indented values); put that map last in its pragma, or write the "
                    "key's values on its line")
        out.append(ArcWarning(f"Architect's parser skips {what}{more}: it is not part of the app "
                              "Architect (and arc2tf) reads", display, lines[k][_LNO], first[_COLUMN], hint))
        run.clear()

    for k, line in enumerate(layout.lines):
        items = line[_ITEMS]
        full = (1 << len(items)) - 1
        read = layout.read[k]
        if read == full:
            flush()
            continue
        for index, item in enumerate(items):
            if read >> index & 1:
                flush()
            else:
                run.append((k, item))
    flush()
    return out
