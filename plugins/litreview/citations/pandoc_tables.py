"""pandoc's grid, multiline and simple tables, which Python-Markdown does not know, as HTML tables.

A grid table (`+---+---+` borders, `+===+` under the header, `:` in a border for alignment, cells spanning rows
and columns) is read by docutils' grid table parser, the one reStructuredText uses; its cells are Markdown blocks.
A multiline table (a dashed line, the header, dashed column segments, rows separated by blank lines, a dashed line)
is cut into columns by the segments; its cells are Markdown text. A simple table (a header line over dashed column
segments, one line per row, ended by a blank line; or without a header, between two dashed lines) is cut the same
way. A table that starts as one of them but breaks their rules is left as text, with a message that names its line.
A caption paragraph (`Table: ...`) next to any of them is read as for pipe tables.
"""
from __future__ import annotations

import re
import xml.etree.ElementTree as etree
from dataclasses import dataclass, field

from markdown.blockprocessors import BlockProcessor

from .markers import error_marker

_GRID_START = re.compile(r"^ {0,3}\+[-:=]+\+")
_GRID_BORDER = re.compile(r"^\+(?:[-=:]+\+)+$")
_DASHES = re.compile(r"^ {0,3}-{3,}[ \t]*$")  # a multiline table's first and last line (a full-width dashed line)
_SEGMENTS = re.compile(r"-+")


@dataclass
class Cell:
    text: str
    rowspan: int = 1
    colspan: int = 1


@dataclass
class Table:
    aligns: list[str]  # "left", "right", "center" or "" per column
    head: list[list[Cell | None]] = field(default_factory=list)
    body: list[list[Cell | None]] = field(default_factory=list)
    block_cells: bool = True  # grid cells are Markdown blocks; multiline cells are text


class TableError(ValueError):
    """A table that breaks its syntax: `line` is its offending line (0-based within the table)."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line = line


def _align(segment: str) -> str:
    left, right = segment.startswith(":"), segment.endswith(":")
    return "center" if left and right else "left" if left else "right" if right else ""


# docutils reads each cell's lines from the whole line (its column indices), so a grid's cost grows with the square
# of its width: wider grids are refused with a message rather than read for minutes.
MAX_GRID_WIDTH = 1000


def parse_grid(lines: list[str]) -> Table:
    """A pandoc grid table (its lines, without indentation) as a Table, or TableError naming the broken line."""
    width = len(lines[0])
    if width > MAX_GRID_WIDTH:
        return _raise(0, f"a grid table wider than {MAX_GRID_WIDTH} characters is not read as a table; make its "
                         "columns narrower, split it, or write it as a pipe table")
    for i, line in enumerate(lines):
        if len(line) != width or line[:1] not in "+|" or line[-1:] not in "+|":
            return _raise(i, "a grid table's lines all start and end at its border (`+` or `|`) and have the same "
                             "length; align this line with the border above it")
    if not _GRID_BORDER.match(lines[-1]):
        return _raise(len(lines) - 1, "a grid table ends with a border line (`+---+---+`); add one under its last row")
    head_at = next((i for i, line in enumerate(lines) if i and _GRID_BORDER.match(line) and "=" in line), None)
    spec = lines[head_at] if head_at is not None else lines[0]
    aligns = [_align(segment) for segment in spec.strip("+").split("+")]
    cleaned = [line.replace(":", "=" if "=" in line else "-") if _GRID_BORDER.match(line) else line for line in lines]
    from docutils.parsers.rst.tableparser import GridTableParser, TableMarkupError  # read only when a table is there
    from docutils.statemachine import StringList

    try:
        widths, head, body = GridTableParser().parse(StringList(cleaned))
    except TableMarkupError as exc:
        return _raise(getattr(exc, "offset", 0) or 0, f"this grid table cannot be read ({exc}); check its borders")
    if len(aligns) != len(widths):
        aligns = [""] * len(widths)  # column boundaries that differ between lines: no alignment to follow

    def rows(found: list[list[tuple[int, int, int, list[str]] | None]]) -> list[list[Cell | None]]:
        return [[None if c is None else Cell("\n".join(c[3]).strip("\n"), c[0] + 1, c[1] + 1) for c in row]
                for row in found]

    return Table(aligns, rows(head), rows(body))


def _raise(line: int, message: str) -> Table:
    raise TableError(line, message)


def offending_line(lines: list[str], error: TableError) -> str:
    """The text of the line a message names (the first line if that one is blank)."""
    return lines[min(error.line, len(lines) - 1)].strip() or lines[0].strip()


def parse_multiline(lines: list[str]) -> Table:
    """A pandoc multiline table: a dashed line, header lines, the column segments, rows separated by blank lines, a
    closing dashed line; or without a header, starting at the segments."""
    if _DASHES.match(lines[0]) and len(_SEGMENTS.findall(lines[0])) == 1:
        seg_at = next((i for i in range(1, len(lines)) if len(_SEGMENTS.findall(lines[i])) > 1
                       and not lines[i].replace("-", "").strip()), None)
        if seg_at is None:
            return _raise(0, "a multiline table has a line of dashed column segments under its header "
                             "(`----- -----`); add it")
        header, seg_line, rest = lines[1:seg_at], lines[seg_at], lines[seg_at + 1:]
    else:
        header, seg_line, rest = [], lines[0], lines[1:]
    if not rest or rest[-1].replace("-", "").strip():
        return _raise(len(lines) - 1, "a multiline table ends with a dashed line; add one under its last row")
    columns = [(m.start(), m.end()) for m in _SEGMENTS.finditer(seg_line)]
    starts = [start for start, _ in columns] + [10**9]

    def cells(block: list[str]) -> list[Cell | None]:
        out: list[Cell | None] = []
        for i in range(len(columns)):
            parts = [line[starts[i]:starts[i + 1]].strip() for line in block]
            out.append(Cell(" ".join(p for p in parts if p)))
        return out

    groups: list[list[str]] = [[]]
    for line in rest[:-1]:
        if line.strip():
            groups[-1].append(line)
        elif groups[-1]:
            groups.append([])
    body = [cells(group) for group in groups if group]
    aligns = []
    for start, end in columns:  # pandoc: flush with the segment's left or right end, or both, or neither
        texts = [line.ljust(end)[start:end] for line in (header or [g[0] for g in groups if g][:1])]
        flush_left = any(t[:1].strip() for t in texts)
        flush_right = any(t[-1:].strip() for t in texts)
        aligns.append("left" if flush_left and not flush_right else "right" if flush_right and not flush_left
                      else "center" if not flush_left and not flush_right else "")
    return Table(aligns, [cells(header)] if header else [], body, block_cells=False)


def is_segments(line: str) -> bool:
    """`-----  ------ ---`: dashed column segments, two or more (`- - -`, single dashes, is a horizontal rule)."""
    segments = _SEGMENTS.findall(line)
    return len(segments) > 1 and not line.replace("-", "").strip() and any(len(s) > 1 for s in segments)


def _is_dashed(line: str) -> bool:
    """A line of dashes, in one segment or more (a simple table's closing line)."""
    return "-" in line and not line.replace("-", "").strip()


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _simple_align(text: str, length: int) -> str:
    """pandoc's alignment of a simple table's column, from its header (or first row) cut at the column's start: text
    that starts after the dashes start is right-aligned, text that ends before they end is left-aligned, both is
    centred, neither is the default."""
    text = text.rstrip()
    if not text:
        return ""
    after_start, before_end = text[0] == " ", len(text) < length
    return ("center" if after_start and before_end else "right" if after_start else "left" if before_end else "")


def parse_simple(lines: list[str]) -> Table:
    """A pandoc simple table (its lines as written, indentation kept): a header line, the dashed column segments,
    one line per row and an optional closing dashed line; or without a header, rows between two dashed lines.
    Columns start where their dashes start, as pandoc cuts them; alignment comes from the header, or from the first
    row of a table without one."""
    headless = is_segments(lines[0])
    segments = lines[0] if headless else lines[1]
    rows = lines[1:] if headless else lines[2:]
    if len(rows) > 1 and _is_dashed(rows[-1]):
        rows = rows[:-1]
    if len(segments) > MAX_GRID_WIDTH:  # hundreds of columns, each a cell of every row: refused as wide grids are
        return _raise(0 if headless else 1, f"a simple table wider than {MAX_GRID_WIDTH} characters is not read as a "
                                            "table; make its columns narrower, split it, or write it as a pipe table")
    columns = [(m.start(), m.end()) for m in _SEGMENTS.finditer(segments)]
    starts = [start for start, _ in columns[1:]] + [10**9]  # the last column runs to the line's end

    def cut(line: str) -> list[str]:
        return [line[start:stop] for (start, _), stop in zip(columns, starts, strict=True)]

    first = cut(rows[0] if headless else lines[0])
    aligns = [_simple_align(text, end - start) for text, (start, end) in zip(first, columns, strict=True)]
    head: list[list[Cell | None]] = [] if headless else [[Cell(text.strip()) for text in cut(lines[0])]]
    body: list[list[Cell | None]] = [[Cell(text.strip()) for text in cut(row)] for row in rows]
    return Table(aligns, head, body, block_cells=False)


def starts_table(block: str) -> str:
    """"grid" or "multiline" if a Markdown block (text between blank lines) starts one of those tables, else ""."""
    lines = block.split("\n")
    if _GRID_START.match(lines[0]):
        return "grid"
    if len(lines) >= 3 and is_segments(lines[0]) and _indent(lines[0]) < 4 and _is_dashed(lines[-1]):
        return "simple"  # without a header: rows between two dashed lines, no blank line (pandoc tries it first)
    if len(lines) >= 3 and lines[0].strip() and not _is_dashed(lines[0]) and not _NOT_A_ROW.match(lines[0]) and \
            is_segments(lines[1]) and _indent(lines[1]) < 4 and (len(lines) > 3 or not _is_dashed(lines[2])):
        return "simple"  # a header line over two or more dashed column segments, and a row at least
    if _DASHES.match(lines[0]) and any(is_segments(line) for line in lines[2:]):
        return "multiline"  # a dashed line, the header, the column segments
    if is_segments(lines[0]) and len(lines) > 1:
        return "multiline"  # without a header
    return ""


_NOT_A_ROW = re.compile(r"^ {0,3}(?:#|>|```|~~~|\+[-=:])")


def table_extent(kind: str, blocks: list[str]) -> tuple[list[str], int, str] | None:
    """The table that starts `blocks[0]` (a `starts_table` kind): its lines without indentation, how many blocks
    it takes, and what follows it in the last one. None for a multiline table that is never closed."""
    first = blocks[0].split("\n")
    if kind == "simple":  # the block, as written: a header may stand further in than its dashes
        return [line.rstrip() for line in first], 1, ""
    indent = len(first[0]) - len(first[0].lstrip(" "))
    if kind == "grid":
        end = next((i for i, line in enumerate(first) if line.strip()[:1] not in ("+", "|")), len(first))
        return [line[indent:].rstrip() for line in first[:end]], 1, "\n".join(first[end:])
    lines: list[str] = []
    for count, block in enumerate(blocks, start=1):
        block_lines = block.split("\n")
        if count > 1:
            if _NOT_A_ROW.match(block_lines[0]):
                return None
            lines.append("")
        lines += [line[indent:].rstrip() for line in block_lines]
        if count > 1 or len(block_lines) > 2:
            last = lines[-1]
            if last and not last.replace("-", "").replace(" ", ""):
                return lines, count, ""
    return None


def table_problems(text: str) -> list[tuple[str, str]]:
    """(offending line, message) of every grid or multiline table in Markdown text (code already blanked) that
    breaks its syntax: what the build reports, for `litreview check`."""
    if "+-" not in text and "--" not in text:
        return []
    blocks = [block for block in re.split(r"\n(?:[ \t]*\n)+", text) if block.strip()]
    found = []
    i = 0
    while i < len(blocks):
        kind = starts_table(blocks[i].lstrip("\n"))
        extent = table_extent(kind, blocks[i:]) if kind else None
        if extent is None:
            i += 1
            continue
        lines, consumed, _rest = extent
        try:
            _PARSERS[kind](lines)
        except TableError as exc:
            found.append((offending_line(lines, exc), str(exc)))
        i += consumed
    return found


_PARSERS = {"grid": parse_grid, "multiline": parse_multiline, "simple": parse_simple}


class PandocTables(BlockProcessor):
    """Grid and multiline tables, read before indented code (80) and horizontal rules (50) would claim them."""

    def test(self, parent: etree.Element, block: str) -> bool:
        return bool(starts_table(block))

    def run(self, parent: etree.Element, blocks: list[str]) -> bool:
        kind = starts_table(blocks[0])
        extent = table_extent(kind, blocks)
        if extent is None:
            return False  # a dashed line and text: a rule or a setext heading, as before
        table_lines, consumed, rest = extent
        try:
            table = _PARSERS[kind](table_lines)
        except TableError as exc:
            paragraph = etree.SubElement(parent, "p")
            paragraph.text = "\n".join(table_lines)
            paragraph.append(error_marker(offending_line(table_lines, exc), str(exc)))
            paragraph[-1].text = ""
        else:
            self._table(parent, table)
        del blocks[:consumed]
        if rest.strip():
            blocks.insert(0, rest)
        return True

    def _table(self, parent: etree.Element, table: Table) -> None:
        element = etree.SubElement(parent, "table")
        for section, rows, tag in (("thead", table.head, "th"), ("tbody", table.body, "td")):
            if not rows:
                continue
            group = etree.SubElement(element, section)
            for row in rows:
                tr = etree.SubElement(group, "tr")
                column = 0
                for cell in row:
                    if cell is None:
                        column += 1
                        continue
                    td = etree.SubElement(tr, tag)
                    if cell.rowspan > 1:
                        td.set("rowspan", str(cell.rowspan))
                    if cell.colspan > 1:
                        td.set("colspan", str(cell.colspan))
                    align = table.aligns[column] if column < len(table.aligns) else ""
                    if align:
                        td.set("style", f"text-align: {align};")
                    column += cell.colspan
                    if table.block_cells:
                        self.parser.parseChunk(td, cell.text)
                        if len(td) == 1 and td[0].tag == "p" and not (td.text or "").strip():
                            paragraph = td[0]  # one paragraph: its text, as pandoc writes a plain cell
                            td.remove(paragraph)
                            td.text = paragraph.text
                            td.extend(list(paragraph))
                    else:
                        td.text = cell.text


class IndentedSimpleTables(PandocTables):
    """A simple table whose header line stands four spaces in or more (a right-aligned first column): pandoc reads
    it as a table before indented code, so this runs before indented code (80) claims the block."""

    def test(self, parent: etree.Element, block: str) -> bool:
        return block.startswith("    ") and starts_table(block) == "simple"
