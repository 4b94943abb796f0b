"""LaTeX field text (accents, dashes, ties, braces, simple math) to plain Unicode text."""
from __future__ import annotations

import codecs
import contextlib
import re
import unicodedata
from functools import lru_cache

_COMBINING = {
    '"': "\u0308", "'": "\u0301", "`": "\u0300", "^": "\u0302", "~": "\u0303", "=": "\u0304",
    ".": "\u0307", "u": "\u0306", "v": "\u030c", "H": "\u030b", "c": "\u0327", "k": "\u0328",
    "b": "\u0331", "d": "\u0323", "r": "\u030a",
}
_ACCENT = re.compile(r"\\([\"'`^~=.]|[uvHckbdr](?![A-Za-z]))\s*(?:\{\s*([^{}\\]?)\s*\}|([A-Za-z\u0131\u0237]))")
# Letters latexcodec does not know; without this they were dropped with the other unknown commands.
_LETTERS = {"j": "\u0237", "ng": "\u014b", "NG": "\u014a"}
_LETTER = re.compile(r"(?<!\\)\\(j|ng|NG)(?![A-Za-z])(?:\{\})?")
_LINK_TEXT = re.compile(r"\\href\s*\{[^{}]*\}\s*\{([^{}]*)\}")
_URL = re.compile(r"\\(?:url|nolinkurl|path)\s*\{([^{}]*)\}")
_SUPER_SUB = re.compile(r"[\^_]\{([^{}]*)\}|[\^_](\w)")
_MATH = re.compile(r"(?<!\\)\$([^$]*)(?<!\\)\$")
_COMMAND = re.compile(r"\\[A-Za-z]+\*?\s*(?:\[[^\]]*\])?")
# Text-mode symbol commands that latexcodec leaves out (so `\textless` vanished): Zotero writes these for < > |.
_TEXT_SYMBOLS = {"textless": "<", "textgreater": ">", "textbar": "|", "textquotedbl": '"', "textbackslash": "\\",
                 "textasciicircum": "^", "textasciitilde": "~", "textunderscore": "_", "textbraceleft": "{",
                 "textbraceright": "}"}
_TEXT_SYMBOL = re.compile(r"\\(" + "|".join(_TEXT_SYMBOLS) + r")(?![A-Za-z])\s*(?:\{\})?")
_CONTROL_SYMBOL = re.compile(r"\\([^A-Za-z])")
_SPACES = re.compile(r"[ \t\r\n]+")
_SYMBOLS = {"\\&": "&", "\\%": "%", "\\$": "$", "\\#": "#", "\\_": "_", "\\{": "", "\\}": "",
            "\\,": "\u2009", "\\ ": " ", "\\-": "", "\\/": "", "\\\\": " "}


def _accent(m: re.Match[str]) -> str:
    base = m.group(2) if m.group(2) is not None else m.group(3)
    base = {"\u0131": "i", "\u0237": "j"}.get(base, base)  # dotless i/j under an accent
    return unicodedata.normalize("NFC", (base or " ") + _COMBINING[m.group(1)]).strip()


_BARE_PERCENT = re.compile(r"(?<!\\)%")


def _decode(text: str) -> str:
    # In a field value "%" is text ("50% of patients"); to latexcodec it starts a comment that eats the rest.
    text = _BARE_PERCENT.sub(r"\\%", text)
    import latexcodec  # noqa: F401  (registers the "ulatex" codec; imported when first needed)

    with contextlib.suppress(Exception):  # latexcodec gives up on some malformed input; cleanup follows
        return str(codecs.decode(text, "ulatex"))  # type: ignore[call-overload]  # a codec registered at import
    return text


def _math(m: re.Match[str]) -> str:
    """`$...$`: superscripts and subscripts as plain text, symbols such as \\beta as Unicode, no dollar signs."""
    inner = _SUPER_SUB.sub(lambda s: s.group(1) or s.group(2), m.group(1))
    out = _decode(f"${inner}$") if "\\" in inner else inner
    return out[1:-1] if len(out) > 1 and out.startswith("$") and out.endswith("$") else out


_PLAIN = re.compile(r"(?:[^\\{}$~`'-]|-(?!-))*\Z")
_PLAIN_BUT_DASHES = re.compile(r"[^\\{}$~`']*\Z")
# Only these need latexcodec; most field values (three in four in a large library) are plain text already.
_NEEDS_CODEC = re.compile(r"[\\~`']|--")


_BARE_ACCENT = re.compile(r"\\[\"'`^~=.uvHckbdr]\s*\{\s*\}")
_FAST_LETTERS = {"o": "ø", "O": "Ø", "i": "\u0131", "aa": "å", "AA": "Å", "ae": "æ", "AE": "Æ", "oe": "œ",
                 "OE": "Œ", "ss": "ß", "l": "ł", "L": "Ł"}
_FAST_LETTER = re.compile(r"\\(aa|AA|ae|AE|oe|OE|ss|o|O|i|l|L)(?:\{\}|(?=\}))")  # as in `{\\o}` and `\\ss{}`
_CODEC_ONLY = re.compile(r"[\\`~]|''")  # left after the fast path: a command or quote only latexcodec knows


def _decode_fast(text: str) -> str:
    """What latexcodec gives for the common field text (accents, dashes, \\&, ties), without its cost
    (about 0.15 ms a value); anything else still goes through the codec, whole."""
    if "\\" in text:
        if _BARE_ACCENT.search(text):  # `\\^{}` is the accent mark itself: the codec's job
            return _decode(text)
        fast = _ACCENT.sub(_accent, _FAST_LETTER.sub(lambda m: _FAST_LETTERS[m.group(1)], text))
    else:
        fast = text
    fast = fast.replace("---", "\u2014").replace("--", "\u2013").replace("\\&", "&")
    if "~" in fast and "\\~" not in text:
        fast = fast.replace("~", "\u00a0")
    return _decode(text) if _CODEC_ONLY.search(fast) else fast


@lru_cache(maxsize=65536)
def latex_to_text(value: str) -> str:
    """Plain Unicode text for a BibTeX field value; never leaves a backslash command or a brace."""
    if _PLAIN.match(value):  # most values: no command, brace, math, tie, quote or dash pair to read
        return unicodedata.normalize("NFC", _SPACES.sub(" ", value).strip())
    if _PLAIN_BUT_DASHES.match(value):  # page ranges (`618--623`): only the dashes to turn into Unicode
        text = value.replace("---", "\u2014").replace("--", "\u2013")
        return unicodedata.normalize("NFC", _SPACES.sub(" ", text).strip())
    text = _URL.sub(lambda m: m.group(1).replace("\\", ""), value)
    text = _LINK_TEXT.sub(r"\1", text)
    text = _MATH.sub(_math, text)
    text = _LETTER.sub(lambda m: _LETTERS[m.group(1)], text)
    symbols: list[str] = []
    if "\\text" in text:  # kept out of the way as private-use characters: braces and backslashes are removed below
        def stash(m: re.Match[str]) -> str:
            symbols.append(_TEXT_SYMBOLS[m.group(1)])
            return chr(0xE000 + len(symbols) - 1)

        text = _TEXT_SYMBOL.sub(stash, text)
    if _NEEDS_CODEC.search(text):
        text = _decode_fast(text)
    text = _ACCENT.sub(_accent, text)
    for symbol, replacement in _SYMBOLS.items():
        text = text.replace(symbol, replacement)
    text = _COMMAND.sub("", text)
    text = _CONTROL_SYMBOL.sub(r"\1", text)
    text = text.replace("\\", "").replace("{", "").replace("}", "")
    for index, symbol in enumerate(symbols):
        text = text.replace(chr(0xE000 + index), symbol)
    return unicodedata.normalize("NFC", _SPACES.sub(" ", text).strip())


# The other way: plain text as a BibTeX field value. BibTeX counts every brace, escaped or not, so braces become
# commands whose own braces are balanced; the symbols below read back through `latex_to_text`.
_TEX_SPECIAL = re.compile(r"([\\{}%&#$_^~])")
_TEX_REPLACE = {"\\": r"\textbackslash{}", "^": r"\textasciicircum{}", "~": r"\textasciitilde{}",
                "{": r"\textbraceleft{}", "}": r"\textbraceright{}"}


def text_to_latex(text: str, keep: str = "") -> str:
    """A value safe inside BibTeX braces: runs of whitespace made one space, LaTeX specials escaped (except the
    characters in `keep`, which some fields take as written, as `_` and `%` in a URL)."""
    def escaped(m: re.Match[str]) -> str:
        char = m.group(1)
        return char if char in keep else _TEX_REPLACE.get(char, "\\" + char)

    return _TEX_SPECIAL.sub(escaped, " ".join(text.split()))
