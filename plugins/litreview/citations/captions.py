"""Numbered captions of cross-reference targets ("Figure 1: ..."), as Quarto, pandoc-crossref and bookdown print them.

Pure text work: reading a caption paragraph (`: Growth {#tbl-growth}`, `Table: (\\#tab:growth) Growth`), reading
the label and caption of a knitr or Quarto code chunk, and filling the caption placeholders once every figure and
table of the site is numbered.
"""
from __future__ import annotations

import re
from collections.abc import Container, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from html import escape

from .syntax import xref_kind

CAPTION_TAG = "lr-caption"  # placeholder of a caption's "Figure 1:", filled by `fill_captions`
_PLACEHOLDER = re.compile(r'<lr-caption data-target="([^"]*)"></lr-caption>')

# pandoc's table caption: a paragraph `: text` or `Table: text` next to the table; the id in a trailing
# attribute block (Quarto's `{#tbl-x}`, pandoc-crossref's `{#tbl:x}`) or a leading bookdown label `(\#tab:x)`.
_CAPTION_START = re.compile(r"^(?:(Table|Figure):|:)(?:[ \t]+|$)")
_TRAILING_ID = re.compile(r"[ \t]*\{[ \t]*#([\w:.-]+)[^}\n]*\}[ \t]*$")
_BOOKDOWN_ID = re.compile(r"^\(\\?#((?:fig|tab|tbl):[\w:.-]+)\)[ \t]*")


@dataclass(frozen=True)
class CaptionParagraph:
    """A paragraph that captions the table (or figure) next to it: its target id ("" if none) and its text."""

    target: str
    kind: str  # "Table", "Figure", or "" for pandoc's bare `: text`
    text: str  # the paragraph's text before its first inline element, without the prefix and label
    end: str | None = None  # its text after the last inline element, without the `{#id}` (None: no elements)


def caption_paragraph(head: str, element_id: str = "", end: str | None = None) -> CaptionParagraph | None:
    """Read a paragraph as a caption: `: Growth {#tbl-growth}`, `Table: Growth`, `Table: (\\#tab:growth) Growth`.

    `head` is its text up to its first inline element (emphasis, a citation), `end` its text after the last one
    (None when it has none: `head` is then all of it); `element_id` is the id attr_list already took from
    `{#id}`. None for any other paragraph, or when the id names neither a figure nor a table.
    """
    m = _CAPTION_START.match(head)
    if m is None:
        return None
    rest = head[m.end():]
    target = element_id
    trailing = _TRAILING_ID.search(rest if end is None else end)
    if trailing and not target:
        target = trailing.group(1)
        if end is None:
            rest = rest[:trailing.start()]
        else:
            end = end[:trailing.start()]
    bookdown = _BOOKDOWN_ID.match(rest)
    if bookdown and not target:
        target, rest = bookdown.group(1), rest[bookdown.end():]
    if target and xref_kind(target) not in ("Table", "Figure"):
        return None
    if m.group(1) == "Figure" and not target:
        return None  # "Figure: ..." is ours (a chunk's caption) only with an id; otherwise it is prose
    return CaptionParagraph(target, m.group(1) or "", rest.lstrip() if end is not None else rest.strip(), end)


def caption_label(key: str, number: str) -> str:
    """ "Figure 1:" for the first figure: the start of a numbered caption."""
    return f"{xref_kind(key) or ''}\u00a0{number}:"


def fill_captions(html: str, labels: Mapping[str, str]) -> str:
    """Caption placeholders -> `<span class="lr-caption-label">Figure 1:</span> `; `labels` maps a target key to
    its number. A target numbered elsewhere (an id used twice) keeps its caption without a number."""
    if CAPTION_TAG not in html:
        return html

    def label(m: re.Match[str]) -> str:
        key = m.group(1)
        if key not in labels:
            return ""
        return f'<span class="lr-caption-label">{escape(caption_label(key, labels[key]))}</span> '

    return _PLACEHOLDER.sub(label, html)


# --- knitr and Quarto code chunks: ```{r growth, fig.cap="Growth"} or ```{r} with `#| label: fig-growth` lines.

_FENCE_OPEN = re.compile(r"^(?P<indent> {0,3})(?P<fence>`{3,}|~{3,})[ \t]*"
                         r"\{(?P<engine>[A-Za-z][\w-]*)(?P<options>[^}]*)\}[ \t]*$")
_HASHPIPE = re.compile(r"^[ \t]*#\|[ \t]?(?P<key>[\w.-]+)[ \t]*:[ \t]*(?P<value>.*?)[ \t]*$")
_KABLE_CAPTION = re.compile(r"\bkable\s*\((?:[^()]|\([^()]*\))*?\bcaption\s*=\s*"
                            r"(\"(?:[^\"\\]|\\.)*\"|'(?:[^'\\]|\\.)*')", re.S)


@dataclass(frozen=True)
class Chunk:
    """A knitr/Quarto code chunk as pandoc sees it after R ran: its language, the code shown, whether it is shown
    at all, and the cross-reference target its output would be (`fig-growth`, `fig:growth`, `tab:growth`)."""

    language: str
    code: list[str]  # the code lines without Quarto's `#|` option lines
    include: bool = True
    target: str = ""
    caption: str = ""
    label: str = field(default="", compare=False)  # as written (`tidy-data`), whether or not it makes a target


def _unquote(value: str) -> str:
    value = value.strip()
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
        return re.sub(r"\\(.)", r"\1", value[1:-1])
    return value


def _split_options(text: str) -> list[str]:
    """knitr's header options `growth, fig.cap="A, B", out.width='80%'` split on commas outside quotes and
    parentheses."""
    parts, current, quote, depth = [], [], "", 0
    for ch in text:
        if quote:
            current.append(ch)
            if ch == quote:
                quote = ""
            continue
        if ch in "\"'":
            quote = ch
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif ch == "," and depth == 0:
            parts.append("".join(current).strip())
            current = []
            continue
        current.append(ch)
    parts.append("".join(current).strip())
    return [p for p in parts if p]


def read_chunk(open_line: str, body: list[str]) -> Chunk | None:
    """The chunk opened by `open_line` (```` ```{r growth, fig.cap="Growth"} ````) with these body lines; None
    when the line opens no chunk (```` ```r ````, ```` ```{.python} ```` are plain code blocks)."""
    m = _FENCE_OPEN.match(open_line)
    if m is None:
        return None
    header: dict[str, str] = {}
    label = ""
    for i, part in enumerate(_split_options(m.group("options").strip().lstrip(","))):
        key, eq, value = part.partition("=")
        if not eq:
            if i == 0:
                label = part.strip()
            continue
        header[key.strip()] = value.strip()
    options: dict[str, str] = {}
    code = list(body)
    while code and code[0].lstrip().startswith("#|"):  # Quarto's options, YAML lists and blocks included
        opt = _HASHPIPE.match(code.pop(0))
        if opt:  # `#|   - item` of a YAML list is no option of its own
            options[opt.group("key")] = opt.group("value")
    label = _unquote(options.get("label", header.get("label", label)))
    include = not (_unquote(options.get("include", "")).lower() == "false" or header.get("include") in ("FALSE", "F"))
    chunk = Chunk(m.group("engine").lower(), code, include, label=label)
    if not label:
        return chunk
    quarto_kind = xref_kind(label) if re.match(r"^[a-z]+-", label) else None
    if quarto_kind in ("Figure", "Table"):  # Quarto: `#| label: fig-growth` with `#| fig-cap:` / `#| tbl-cap:`
        cap = options.get("fig-cap" if quarto_kind == "Figure" else "tbl-cap", "")
        return Chunk(chunk.language, code, include, label, _unquote(cap) if not cap.startswith(("[", "|", ">")) else "",
                     label)
    if "fig.cap" in header:  # knitr/bookdown: a chunk with a figure caption makes the figure `fig:<label>`
        cap = header["fig.cap"]
        return Chunk(chunk.language, code, include, f"fig:{label}", _unquote(cap) if cap[:1] in "\"'" else "", label)
    kable = _KABLE_CAPTION.search("\n".join(code))
    if kable:  # bookdown: knitr::kable(..., caption = "...") makes the table `tab:<label>`
        return Chunk(chunk.language, code, include, f"tab:{label}", _unquote(kable.group(1)), label)
    return chunk


def iter_chunks(lines: list[str]) -> Iterator[tuple[int, int, Chunk]]:
    """(first line, line after the closing fence, chunk) of every knitr/Quarto chunk in Markdown lines."""
    i = 0
    while i < len(lines):
        m = _FENCE_OPEN.match(lines[i])
        if m is None:
            i += 1
            continue
        fence = m.group("fence")
        close = re.compile(rf"^ {{0,3}}{re.escape(fence[0])}{{{len(fence)},}}[ \t]*$")
        end = next((j for j in range(i + 1, len(lines)) if close.match(lines[j])), None)
        if end is None:
            return  # an unclosed fence: the rest of the page is its code, as Markdown reads it
        chunk = read_chunk(lines[i], lines[i + 1:end])
        if chunk is not None:
            yield i, end + 1, chunk
        i = end + 1


def chunk_targets(source: str) -> list[str]:
    """Cross-reference targets that the page's chunks make (for `litreview check`, which reads no HTML)."""
    if "{" not in source:
        return []
    return [chunk.target for _, _, chunk in iter_chunks(source.split("\n")) if chunk.target and chunk.include]


def rewrite_chunks(lines: list[str]) -> list[str]:
    """Markdown lines with each chunk as pandoc shows it once R has run: the code under its language, without
    Quarto's `#|` lines; nothing of an `include: false` chunk; and where its figure or table would be, the
    caption paragraph `Figure: caption {#fig-growth}` (read back by the Markdown extension as a numbered caption)."""
    if not any("{" in line for line in lines):
        return lines
    out: list[str] = []
    at = 0
    for start, end, chunk in iter_chunks(lines):
        out += lines[at:start]
        at = end
        if not chunk.include:
            continue
        m = _FENCE_OPEN.match(lines[start])
        assert m is not None  # iter_chunks matched it
        out += [f"{m.group('indent')}{m.group('fence')}{chunk.language}", *chunk.code, lines[end - 1]]
        if chunk.target:
            kind = "Table" if xref_kind(chunk.target) == "Table" else "Figure"
            caption = " ".join(chunk.caption.split())
            out += ["", f"{kind}: {caption} {{#{chunk.target}}}".replace(":  {", ": {"), ""]
    return out + lines[at:]


# An id written in a page: an attribute block (`{#tidy-data}`, `{#tidy-data .wide}`) or an HTML id attribute.
_WRITTEN_ID = re.compile(r"""\{[^{}\n]*?#([\w:.-]+)[^{}\n]*\}|\bid\s*=\s*["']([^"'\s<>]+)["']""")
_QUARTO_KEY = re.compile(r"^([a-z]+)-(.+)$")


def unprefixed_names(sources: Iterable[str]) -> dict[str, str]:
    """Names a cross-reference could mean but that carry no kind prefix: the label of every code chunk ("chunk")
    and every id written in the pages outside code ("element"). Read once, and only when a reference is unknown."""
    from ..markdown_text import mask_code_blocks  # the masks read Markdown; imported where a message needs them

    names: dict[str, str] = {}
    for source in sources:
        if "{" in source:
            for _, _, chunk in iter_chunks(source.split("\n")):
                if chunk.label:
                    names.setdefault(chunk.label, "chunk")
        if "#" in source or "id" in source:
            for m in _WRITTEN_ID.finditer(mask_code_blocks(source)):
                names.setdefault(m.group(1) or m.group(2), "element")
    return names


def unprefixed_target(key: str, names: Mapping[str, str], ids: Container[str]) -> str:
    """For a Quarto cross-reference without a target (`fig-tidy-data`): "chunk" or "element" when its name
    (`tidy-data`) labels a code chunk or is an element's id (`ids`: known ids, a heading's as `sec:<id>`), which
    Quarto numbers only with the prefix; else ""."""
    m = _QUARTO_KEY.match(key)
    if m is None or not xref_kind(key):
        return ""
    name = m.group(2)
    return names.get(name) or ("element" if f"sec:{name}" in ids else "")
