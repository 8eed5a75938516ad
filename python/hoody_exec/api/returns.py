"""The return-type check: does a script produce something a response can carry?

The rule (also in docs/api.md):
- body style (no `export default`): every top-level `return` — one not inside a
  nested function — is found. Returning a function, a class or a Symbol is an
  error (no response can carry it). A script with no top-level `return <value>`
  is a warning: every request answers `204 No Content`. Named exports without a
  default export are an error (a module needs `export default`).
- module style (`export default …`): the default export must be a function
  (`(request, ctx) => …`) or an object with a `fetch(request, ctx)` method. A
  class, a literal or an object without `fetch` is an error; an identifier is
  followed to its top-level declaration when it can be.

It works on swc's JavaScript output (types erased, syntax already valid) with a
small tokenizer that knows strings, template literals, comments and regular
expression literals, and tells function bodies from blocks by what precedes
`{`. Positions are mapped back to the original source through the source map.
"""

from __future__ import annotations

import bisect
import json
import re
from dataclasses import dataclass

from hoody_exec.api.models import Finding, ReturnSite, ReturnTypeResult
from hoody_exec.runtime import native

RULE = (
    "body style: top-level `return` values must not be functions, classes or Symbols; "
    "no `return <value>` means every response is 204; module style: `export default` must "
    "be a function (request, ctx) or an object with a fetch(request, ctx) method"
)

_IDENT = re.compile(r"[A-Za-z_$\u0080-\uffff][\w$\u0080-\uffff]*")
_NUMBER = re.compile(r"\d[\w.]*|\.\d[\w]*")
_REGEX_AFTER_WORDS = frozenset(
    {"return", "typeof", "instanceof", "in", "of", "new", "delete", "void", "throw"}
    | {"case", "do", "else", "yield", "await"}
)
_CONTROL = frozenset({"if", "for", "while", "switch", "catch", "with"})


@dataclass(frozen=True)
class Token:
    kind: str  # ident, punct, string, template, regex, number
    text: str
    offset: int


def tokenize(code: str) -> list[Token]:
    tokens: list[Token] = []
    i, n = 0, len(code)
    template_depths: list[int] = []  # brace depth at each open `${`
    depth = 0
    while i < n:
        ch = code[i]
        if ch.isspace():
            i += 1
        elif code.startswith("//", i):
            end = code.find("\n", i)
            i = n if end < 0 else end
        elif code.startswith("/*", i):
            end = code.find("*/", i + 2)
            i = n if end < 0 else end + 2
        elif ch in "'\"":
            j = _skip_string(code, i)
            tokens.append(Token("string", code[i:j], i))
            i = j
        elif ch == "`" or (ch == "}" and template_depths and template_depths[-1] == depth):
            if ch == "}":
                template_depths.pop()
            j, opened = _skip_template(code, i + 1)
            if opened:
                template_depths.append(depth)
            tokens.append(Token("template", code[i:j], i))
            i = j
        elif ch == "/" and _regex_allowed(tokens):
            j = _skip_regex(code, i)
            tokens.append(Token("regex", code[i:j], i))
            i = j
        elif m := _IDENT.match(code, i):
            tokens.append(Token("ident", m.group(), i))
            i = m.end()
        elif m := _NUMBER.match(code, i):
            tokens.append(Token("number", m.group(), i))
            i = m.end()
        else:
            text = "=>" if code.startswith("=>", i) else ch
            if text == "{":
                depth += 1
            elif text == "}":
                depth -= 1
            tokens.append(Token("punct", text, i))
            i += len(text)
    return tokens


def _skip_string(code: str, i: int) -> int:
    quote, j = code[i], i + 1
    while j < len(code) and code[j] != quote and code[j] != "\n":
        j += 2 if code[j] == "\\" else 1
    return j + 1


def _skip_template(code: str, j: int) -> tuple[int, bool]:
    """Scan template text from j; returns (end, True) at `${` or (after the closing `, False)."""
    while j < len(code):
        if code[j] == "\\":
            j += 2
        elif code[j] == "`":
            return j + 1, False
        elif code.startswith("${", j):
            return j + 2, True
        else:
            j += 1
    return j, False


def _regex_allowed(tokens: list[Token]) -> bool:
    if not tokens:
        return True
    last = tokens[-1]
    if last.kind == "ident":
        return last.text in _REGEX_AFTER_WORDS
    if last.kind == "punct":
        return last.text not in (")", "]", "}")
    return False


def _skip_regex(code: str, i: int) -> int:
    j, in_class = i + 1, False
    while j < len(code) and code[j] != "\n":
        c = code[j]
        if c == "\\":
            j += 2
            continue
        if c == "[":
            in_class = True
        elif c == "]":
            in_class = False
        elif c == "/" and not in_class:
            j += 1
            break
        j += 1
    while j < len(code) and (code[j].isalnum()):
        j += 1
    return j


# ---------------------------------------------------------------- analysis
@dataclass
class _Scan:
    top_returns: list[tuple[Token, str]]
    default_export: tuple[Token, str] | None
    named_exports: list[Token]


def scan(code: str) -> _Scan:
    tokens = tokenize(code)
    parens: list[bool] = []  # True: a control statement's parentheses
    braces: list[bool] = []  # True: a function body
    last_paren_control = False
    result = _Scan([], None, [])
    for index, token in enumerate(tokens):
        prev = tokens[index - 1] if index else None
        text = token.text
        if token.kind == "punct":
            if text == "(":
                parens.append(prev is not None and prev.kind == "ident" and prev.text in _CONTROL)
            elif text == ")":
                last_paren_control = parens.pop() if parens else False
            elif text == "{":
                function_body = prev is not None and (
                    prev.text == "=>"
                    or (prev.kind == "punct" and prev.text == ")" and not last_paren_control)
                )
                braces.append(function_body)
            elif text == "}" and braces:
                braces.pop()
            continue
        if token.kind != "ident" or any(braces):
            continue
        if text == "return" and not _is_member(prev):
            result.top_returns.append((token, _returned_kind(code, tokens, index + 1)))
        elif text == "export" and not braces and not _is_member(prev):
            following = tokens[index + 1] if index + 1 < len(tokens) else None
            if following is not None and following.text == "default":
                result.default_export = (token, _default_kind(tokens, index + 2))
            elif (
                following is not None
                and following.text == "{"
                and _exports_default(tokens, index + 1)
            ):
                result.default_export = (token, "unknown")
            else:
                result.named_exports.append(token)
    return result


def _is_member(prev: Token | None) -> bool:
    return prev is not None and prev.kind == "punct" and prev.text == "."


def _returned_kind(code: str, tokens: list[Token], i: int) -> str:
    if i >= len(tokens):
        return "none"
    first = tokens[i]
    between = code[tokens[i - 1].offset : first.offset]
    if first.text in (";", "}") or "\n" in between:
        return "none"
    return _expression_kind(tokens, i)


def _expression_kind(tokens: list[Token], i: int) -> str:
    first = tokens[i]
    if first.text == "function":
        return "function"
    if first.text == "class":
        return "class"
    if first.text == "Symbol" and i + 1 < len(tokens) and tokens[i + 1].text in ("(", "."):
        return "symbol"
    j = i + 1 if first.text == "async" and i + 1 < len(tokens) else i
    if tokens[j].text == "function":
        return "function"
    if tokens[j].kind == "ident" and j + 1 < len(tokens) and tokens[j + 1].text == "=>":
        return "function"
    if tokens[j].text == "(":
        close = _matching(tokens, j, "(", ")")
        if close is not None and close + 1 < len(tokens) and tokens[close + 1].text == "=>":
            return "function"
        if close is not None and j + 1 < close:
            # A parenthesised expression: swc writes `export default (async () => …)`.
            return _expression_kind(tokens, j + 1)
    return "value"


def _matching(tokens: list[Token], i: int, open_: str, close: str) -> int | None:
    level = 0
    for j in range(i, len(tokens)):
        if tokens[j].kind != "punct":
            continue
        if tokens[j].text == open_:
            level += 1
        elif tokens[j].text == close:
            level -= 1
            if level == 0:
                return j
    return None


def _default_kind(tokens: list[Token], i: int) -> str:
    if i >= len(tokens):
        return "missing"
    first = tokens[i]
    if first.text == "{" and first.kind == "punct":
        end = _matching(tokens, i, "{", "}") or len(tokens) - 1
        level = 0
        for j in range(i, end):
            t = tokens[j]
            if t.kind == "punct" and t.text in "{([":
                level += 1
            elif t.kind == "punct" and t.text in "})]":
                level -= 1
            elif (
                level == 1
                and t.text == "fetch"
                and j + 1 <= end
                and tokens[j + 1].text in ("(", ":", ",", "}")
            ):
                return "object with fetch"
        return "object without fetch"
    if first.kind in ("string", "number", "template", "regex"):
        return "literal"
    kind = _expression_kind(tokens, i)
    if kind != "value":
        return kind
    if first.kind == "ident" and first.text not in ("new", "await", "null", "true", "false"):
        return f"identifier:{first.text}"
    return "value"


def _exports_default(tokens: list[Token], i: int) -> bool:
    end = _matching(tokens, i, "{", "}") or i
    return any(t.text == "default" for t in tokens[i:end])


def _resolve_identifier(tokens: list[Token], name: str) -> str:
    """What a top-level `function name` / `const name = …` / `class name` is."""
    for index, token in enumerate(tokens[:-1]):
        nxt = tokens[index + 1]
        if nxt.text != name:
            continue
        if token.text == "function":
            return "function"
        if token.text == "class":
            return "class"
        if (
            token.text in ("const", "let", "var")
            and index + 3 < len(tokens)
            and tokens[index + 2].text == "="
        ):
            kind = _expression_kind(tokens, index + 3)
            if kind != "value":
                return kind
            if tokens[index + 3].text == "{":
                return _default_kind(tokens, index + 3)
            return "value"
    return "unknown"


# ---------------------------------------------------------------- positions
class SourceMap:
    def __init__(self, raw: str) -> None:
        self.lines: list[list[tuple[int, int, int]]] = []
        try:
            mappings = json.loads(raw).get("mappings", "")
        except ValueError:
            mappings = ""
        src_line = src_col = src = 0
        for line in mappings.split(";"):
            segments: list[tuple[int, int, int]] = []
            gen_col = 0
            for segment in filter(None, line.split(",")):
                values = _vlq(segment)
                gen_col += values[0]
                if len(values) >= 4:
                    src += values[1]
                    src_line += values[2]
                    src_col += values[3]
                    segments.append((gen_col, src_line, src_col))
            self.lines.append(segments)

    def original(self, line: int, column: int) -> tuple[int, int] | None:
        """0-based generated position → 1-based original (line, column)."""
        if line >= len(self.lines) or not self.lines[line]:
            return None
        segments = self.lines[line]
        at = bisect.bisect_right([s[0] for s in segments], column) - 1
        _, src_line, src_col = segments[max(at, 0)]
        return src_line + 1, src_col + 1


_B64 = {
    c: i for i, c in enumerate("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")
}


def _vlq(segment: str) -> list[int]:
    values: list[int] = []
    shift = value = 0
    for char in segment:
        digit = _B64.get(char, 0)
        value += (digit & 31) << shift
        if digit & 32:
            shift += 5
            continue
        values.append(-(value >> 1) if value & 1 else value >> 1)
        shift = value = 0
    return values


def _article(kind: str) -> str:
    return f"an {kind}" if kind[:1] in "aeiou" else f"a {kind}"


# ---------------------------------------------------------------- the check
def check_return_type(source: str, filename: str) -> ReturnTypeResult:
    """Raises native.TranspileError when the syntax is broken."""
    out = native.transpile(source, filename)
    code = out.code
    found = scan(code)
    smap = SourceMap(out.map)
    line_starts = [0] + [m.end() for m in re.finditer("\n", code)]

    def where(token: Token) -> tuple[int | None, int | None]:
        line = bisect.bisect_right(line_starts, token.offset) - 1
        mapped = smap.original(line, token.offset - line_starts[line])
        return mapped if mapped is not None else (None, None)

    problems: list[Finding] = []
    returns = []
    for token, kind in found.top_returns:
        line, column = where(token)
        returns.append(ReturnSite(line=line, column=column, kind=kind))
        if kind in ("function", "class", "symbol"):
            problems.append(
                Finding(
                    severity="error",
                    message=f"returns a {kind}, which no response can carry "
                    "(return an object, string, bytes, a Response or a stream)",
                    line=line,
                    column=column,
                )
            )
    if found.default_export is not None:
        token, kind = found.default_export
        line, column = where(token)
        if kind.startswith("identifier:"):
            name = kind.split(":", 1)[1]
            kind = _resolve_identifier(tokenize(code), name)
            shown = f"{name} ({kind})"
        else:
            shown = kind
        if kind in ("function", "object with fetch"):
            pass
        elif kind == "unknown":
            problems.append(
                Finding(
                    severity="warning",
                    message=f"export default {shown}: could not tell whether it is a handler",
                    line=line,
                    column=column,
                )
            )
        else:
            problems.append(
                Finding(
                    severity="error",
                    message=f"export default is {_article(kind)}; it must be a function "
                    "(request, ctx) or an object with a fetch(request, ctx) method",
                    line=line,
                    column=column,
                )
            )
        return ReturnTypeResult(
            ok=not any(p.severity == "error" for p in problems),
            style="module",
            returns=returns,
            default_export=shown,
            problems=problems,
            rule=RULE,
        )
    if found.named_exports:
        line, column = where(found.named_exports[0])
        problems.append(
            Finding(
                severity="error",
                message="the script has exports but no `export default`: a module-style "
                "script must export a default handler (or drop the exports and return a value)",
                line=line,
                column=column,
            )
        )
    elif not any(kind != "none" for _, kind in found.top_returns):
        problems.append(
            Finding(
                severity="warning",
                message="no top-level `return <value>`: every request answers 204 No Content",
            )
        )
    return ReturnTypeResult(
        ok=not any(p.severity == "error" for p in problems),
        style="body",
        returns=returns,
        default_export=None,
        problems=problems,
        rule=RULE,
    )
