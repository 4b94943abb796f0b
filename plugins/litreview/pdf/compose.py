"""A chapter PDF's reference list composed from the bibliography's typeset entries (pikepdf, no second typesetting).

Each chapter's PDF ends with its own reference list, whose entries are the bibliography's entries without their
"Cited in" lines. WeasyPrint has typeset every one of them for the book already, and typesetting them again for
the chapters cost more than the chapters themselves (at 50 chapters and 1,000 references: about 4,000 entries
against the bibliography's 1,000). So a chapter's list is laid out by arithmetic: each entry is as tall as its
lines in the bibliography, never breaks, and goes on the next page unless it fits (`paginate`), in the geometry
that one typeset probe gives (`probe_document`, `geometry`). WeasyPrint typesets the list's skeleton: its heading,
pages and running heads, with one empty box per page (all lists' skeletons as one document, a section each,
written as a PDF each: `skeletons_document`). Each entry's typeset content is then moved from the
bibliography's page to its place: the entry's marked-content sequences with the graphics state they are drawn in,
its link annotations and its structure elements (the list item's label and body, in a list item made for it where
the page's box was), and its ids become destinations at its top.

Whatever the composition cannot be sure of (an entry over two pages, painting outside marked content, another
line width, an entry that differs from the bibliography's) raises `NotComposable`, and the list is typeset as
before. Pure functions of bytes and strings: tests call them without a site.
"""
from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from .join import MEASURE_PREFIX, _draw_over, _get, _is_element, _kids, _number_tree, _open, _references, _save

CUT_PREFIX = MEASURE_PREFIX  # id of an entry's "Cited in" line: where the chapter lists' version of the entry ends
_LIST = re.compile(r'(<ol class="lr-references\b[^"]*"[^>]*>)(.*?)(</ol>)', re.S)
_ITEM = re.compile(r'<li\b[^>]*?\sid="([^"]*)"[^>]*>.*?</li>', re.S)
_CITED_IN = re.compile(r'<span class="lr-cited-in"')
_CITED_IN_SPAN = re.compile(r'\s*<span class="lr-cited-in"[^>]*>.*?</span>(?=\s*</li>)', re.S)


class NotComposable(Exception):
    """The list is typeset instead (the reason is for tests and debugging)."""


@dataclass(frozen=True)
class Skeleton:
    """A typeset skeleton (one empty box per page), with where each entry goes: entry id -> (page, box in CSS px),
    the entries in order, and each entry's ids (destinations at its top)."""

    pdf: bytes
    slots: dict[str, tuple[int, tuple[float, float, float, float]]]
    order: tuple[str, ...]
    anchors: dict[str, list[str]]


def _decimal(value: float) -> Any:
    from decimal import Decimal

    return Decimal(f"{value:.6f}")


@dataclass(frozen=True)
class Place:
    """Where WeasyPrint put an element: part piece, page in it, and its border box in CSS px (y down)."""

    piece: int
    page: int
    box: tuple[float, float, float, float]


def entries(document: str) -> list[tuple[str, str]]:
    """(id, HTML) of each item of the document's reference lists, in order."""
    return [(m.group(1), m.group(0)) for found in _LIST.finditer(document) for m in _ITEM.finditer(found.group(2))]


def mark_cuts(document: str) -> str:
    """The bibliography's document with an id on each entry's "Cited in" line (its top is where the entry as a
    chapter list shows it ends)."""
    def item(m: re.Match[str]) -> str:
        return _CITED_IN.sub(f'<span class="lr-cited-in" id="{CUT_PREFIX}{m.group(1)}"', m.group(0), count=1)

    return _LIST.sub(lambda found: found.group(1) + _ITEM.sub(item, found.group(2)) + found.group(3), document)


def _normal(html: str) -> str:
    return re.sub(r"\s+", " ", html).replace(" </li>", "</li>")


def list_heights(chapter_document: str, known: dict[str, str], places: dict[str, Place]) -> dict[str, float]:
    """Each entry of the chapter's list -> its height (CSS px) as the bibliography typeset it without its "Cited
    in" line; NotComposable when an entry is not the bibliography's entry (`known`: `dict(entries(...))` of the
    bibliography's document), or is not on one page there."""
    heights = {}
    for entry_id, html in entries(chapter_document):
        source = known.get(entry_id)
        if source is None or _normal(_CITED_IN_SPAN.sub("", source, count=1)) != _normal(html):
            raise NotComposable(f"entry {entry_id} is not the bibliography's")
        place, cut = places.get(entry_id), places.get(CUT_PREFIX + entry_id)
        if place is None:
            raise NotComposable(f"entry {entry_id} has no place in the bibliography")
        bottom = place.box[3]
        if cut is not None:
            if (cut.piece, cut.page) != (place.piece, place.page):
                raise NotComposable(f"entry {entry_id} runs over a page break")
            bottom = cut.box[1]
        heights[entry_id] = bottom - place.box[1]
    if not heights:
        raise NotComposable("no entries")
    return heights


# Ids of a probe's boxes (`probe_document`): where a list begins under its heading, the gap between two entries,
# where it goes on on the next page, and where a page's content ends.
PROBE_IDS = (f"{CUT_PREFIX}probe-first", f"{CUT_PREFIX}probe-second", f"{CUT_PREFIX}probe-next",
             f"{CUT_PREFIX}probe-bottom")
PROBE_LATER = f"{CUT_PREFIX}probe-later"  # the first entry of a list that is not at the start of its document


def _replace_items(chapter_document: str, items: str) -> str:
    found = _LIST.search(chapter_document)
    if found is None:
        raise NotComposable("no reference list")
    return chapter_document[:found.start(2)] + items + chapter_document[found.end(2):]


def probe_document(chapter_document: str) -> str:
    """The chapter's list document with three empty entries in place of its own, the third on the next page, and a
    box fixed at the bottom of the page area: typeset once, it gives the geometry of every such list."""
    first, second, after, bottom = PROBE_IDS
    items = (f'<li id="{first}" class="lr-slot" style="height: 10px"></li>'
             f'<li id="{second}" class="lr-slot" style="height: 10px"></li>'
             f'<li id="{after}" class="lr-slot" style="height: 10px; break-before: page"></li>')
    marker = f'<div id="{bottom}" style="position: fixed; bottom: 0; left: 0; width: 0; height: 0"></div>'
    document = _replace_items(chapter_document, items)
    end = document.rindex("</body>")
    later = section_of(_replace_items(chapter_document, f'<li id="{PROBE_LATER}" class="lr-slot" '
                                                        'style="height: 10px"></li>'))
    return document[:end] + marker + (_renamed(later[1], "probe-") if later else "") + document[end:]


def _renamed(section: str, prefix: str) -> str:
    """A section whose own id is prefixed (it appears again in a document that holds it already)."""
    return re.sub(r'^(<section\b[^>]*\sid=")', rf"\1{CUT_PREFIX}{prefix}", section, count=1)


@dataclass(frozen=True)
class Geometry:
    """Where a chapter's list goes (CSS px, y down): its first entry's top under the heading, an entry's top on a
    later page, its left and right edges, the space between two entries, and the bottom of the page area."""

    first_top: float
    top: float
    left: float
    right: float
    gap: float
    bottom: float
    lead: float = 0.0  # how much higher a list after another one in the same document begins (its body's margin)


def geometry(places: dict[str, tuple[int, tuple[float, float, float, float]]]) -> Geometry:
    """The geometry read from a typeset probe (`places`: id -> (page, box))."""
    first, second, after, bottom = (places.get(name) for name in PROBE_IDS)
    if first is None or second is None or after is None or bottom is None or (first[0], second[0], after[0]) != \
            (0, 0, 1):
        raise NotComposable("the probe of the list's geometry was not laid out as expected")
    later = places.get(PROBE_LATER)
    lead = first[1][1] - later[1][1] if later is not None and later[0] == 2 else 0.0
    if not 0.0 <= lead < first[1][1]:
        lead = 0.0
    return Geometry(first[1][1], after[1][1], first[1][0], first[1][2], second[1][1] - first[1][3], bottom[1][1],
                    lead)


def paginate(order: Sequence[str], heights: dict[str, float],
             shape: Geometry) -> tuple[list[float], dict[str, tuple[int, tuple[float, float, float, float]]]]:
    """The list laid out by arithmetic: each page's height of entries, and each entry's page and box. An entry
    never breaks (as the print stylesheet says); it goes on the next page unless it fits with the gap after it,
    which keeps each one inside the page area."""
    used = [0.0]
    slots: dict[str, tuple[int, tuple[float, float, float, float]]] = {}
    page_top = y = shape.first_top
    for entry_id in order:
        height = heights[entry_id]
        if y + height + shape.gap > shape.bottom:
            if y == page_top or height + shape.gap > shape.bottom - shape.top:
                raise NotComposable(f"entry {entry_id} is taller than the room on a page")
            used.append(0.0)
            page_top = y = shape.top
        slots[entry_id] = (len(used) - 1, (shape.left, y, shape.right, y + height))
        used[-1] = y + height - page_top
        y += height + shape.gap
    return used, slots


def skeleton_document(chapter_document: str, used: Sequence[float], prefix: str = "") -> str:
    """The chapter's list document with one empty box per page, as tall as the entries it will hold: WeasyPrint
    typesets its heading, pages, running heads and structure; the entries are moved into the boxes' pages. The
    boxes' ids are `CUT_PREFIX + prefix + "page-N"`."""
    return _replace_items(chapter_document, "".join(
        f'<li id="{CUT_PREFIX}{prefix}page-{n}" class="lr-slot" style="height: {height!r}px'
        f'{"; break-before: page" if n else ""}"></li>' for n, height in enumerate(used)))


def skeletons_document(documents: Sequence[str], lead: float) -> tuple[str, list[str]] | None:
    """Skeleton documents (each a chapter's list document with one top section) as one document of their
    sections, each on pages of its own, and the sections' ids; None when one is not of that shape. Each later
    section is moved down by `lead`, as its own document would begin it (its body's top margin)."""
    names, bodies = [], []
    for number, document in enumerate(documents):
        found = section_of(document)
        if found is None:
            return None
        name, body = found
        if number and lead:
            body = re.sub(r"^<section\b", f'<section style="padding-top: {lead!r}px"', body, count=1)
        names.append(name)
        bodies.append(body)
    if len(set(names)) != len(names) or "<body>" not in documents[0]:
        return None
    head = documents[0][:documents[0].index("<body>") + len("<body>")]
    return head + "".join(bodies) + "</body></html>", names


_SECTION = re.compile(r'<body>\s*(<section\b[^>]*\sid="([^"]*)"[^>]*>.*</section>)\s*</body>', re.S)


def section_of(document: str) -> tuple[str, str] | None:
    """(id, HTML) of the document's one top section (a chapter's list document), or None."""
    found = _SECTION.search(document)
    return (found.group(2), found.group(1)) if found else None


def anchors(chapter_document: str) -> dict[str, list[str]]:
    """Each entry of the list -> the ids it holds (its own first): destinations at its top in the composed list."""
    return {entry_id: [entry_id, *re.findall(r'\sid="([^"]*)"', html[html.index(">") + 1:])]
            for entry_id, html in entries(chapter_document)}


# --- Reading the bibliography's pages ---------------------------------------------------------------------------

_STATE = {"w", "J", "j", "M", "d", "ri", "i", "Tc", "Tw", "Tz", "TL", "Tf", "Tr", "Ts"}
_FILL = {"g", "rg", "k", "cs", "sc", "scn"}
_STROKE = {"G", "RG", "K", "CS", "SC", "SCN"}
_SPACE = {"cs", "CS"}
_COLOUR = {"sc", "scn", "SC", "SCN"}


@dataclass
class _State:
    ctm: tuple[float, ...] = (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)
    ops: dict[str, Any] = field(default_factory=dict)  # operator -> its latest instruction
    fill: tuple[Any, Any] = (None, None)  # (colour space instruction, colour instruction)
    stroke: tuple[Any, Any] = (None, None)
    gs: tuple[Any, ...] = ()

    def copy(self) -> _State:
        return _State(self.ctm, dict(self.ops), self.fill, self.stroke, self.gs)

    def instructions(self) -> list[Any]:
        found = list(self.gs)
        for space, colour in (self.fill, self.stroke):
            found += [op for op in (space, colour) if op is not None]
        return found + list(self.ops.values())


def _multiply(m: Sequence[float], n: Sequence[float]) -> tuple[float, ...]:
    """m x n for PDF matrices [a b c d e f] (cm: new CTM = M x CTM)."""
    a, b, c, d, e, f = m
    p, q, r, s, t, u = n
    return (a * p + b * r, a * q + b * s, c * p + d * r, c * q + d * s, e * p + f * r + t, e * q + f * s + u)


@dataclass
class _Sequence:
    mcid: int
    order: int
    state: _State
    instructions: list[Any]
    y: float | None  # the baseline of its text (CSS px, y down), or of the text before it
    own_y: bool = False


@dataclass
class _Page:
    sequences: dict[int, _Sequence]
    safe: bool  # no painting outside marked content


_PAINTING_OUTSIDE_OK = {"q", "Q", "cm", "gs", *_STATE, *_FILL, *_STROKE}


def _read_page(page: Any) -> _Page:
    import pikepdf

    state, stack = _State(), list[_State]()
    sequences: dict[int, _Sequence] = {}
    current: _Sequence | None = None
    depth = 0
    safe = True
    y: float | None = None
    for item in pikepdf.parse_content_stream(page):
        if isinstance(item, pikepdf.ContentStreamInlineImage):
            safe = False
            continue
        operands, operator = item.operands, str(item.operator)
        if operator in ("BDC", "BMC"):
            depth += 1
            if depth == 1 and operator == "BDC" and isinstance(operands[1], pikepdf.Dictionary) \
                    and "/MCID" in operands[1]:
                current = _Sequence(int(operands[1].MCID), len(sequences), state.copy(), [item], y)
                sequences[current.mcid] = current
                continue
        elif operator == "EMC":
            depth -= 1
            if depth == 0 and current is not None:
                current.instructions.append(item)
                current = None
                continue
        elif depth == 0 and operator not in _PAINTING_OUTSIDE_OK:
            safe = False
        if current is not None:
            current.instructions.append(item)
            if operator == "Tm":
                y = float(operands[5])
                if not current.own_y:
                    current.y, current.own_y = y, True
        # The graphics state, for the sequences after this one.
        if operator == "q":
            stack.append(state.copy())
        elif operator == "Q":
            state = stack.pop() if stack else _State()
        elif operator == "cm":
            state.ctm = _multiply([float(v) for v in operands], state.ctm)
        elif operator == "gs":
            state.gs = (*(op for op in state.gs if op.operands[0] != operands[0]), item)
        elif operator in _FILL or operator in _STROKE:
            which = "fill" if operator in _FILL else "stroke"
            space, _ = getattr(state, which)
            value = (item, None) if operator in _SPACE else (space, item) if operator in _COLOUR else (None, item)
            setattr(state, which, value)
        elif operator in _STATE:
            state.ops[operator] = item
    return _Page(sequences, safe)


# --- Composing -------------------------------------------------------------------------------------------------

_RESOURCE_OPERAND = {"Tf": ("/Font", 0), "gs": ("/ExtGState", 0), "cs": ("/ColorSpace", 0),
                     "CS": ("/ColorSpace", 0), "sh": ("/Shading", 0), "Do": ("/XObject", 0),
                     "scn": ("/Pattern", -1), "SCN": ("/Pattern", -1), "BDC": ("/Properties", 1)}
_ANNOTATION_KEYS = ("/Subtype", "/Border", "/BS", "/C", "/F", "/H", "/Contents", "/NM", "/A", "/Dest")
_ELEMENT_SKIP = {"/Type", "/S", "/P", "/Pg", "/K", "/ID", "/Ref"}


def _content(element: Any, page: Any) -> list[tuple[Any, int]]:
    """(page objgen, MCID) of everything an element holds, in tree order (NotComposable for content streams)."""
    import pikepdf

    page = element.get("/Pg", page)
    found = []
    for kid in _kids(element):
        if isinstance(kid, int):
            if page is None:
                raise NotComposable("marked content without a page")
            found.append((page.objgen, kid))
        elif isinstance(kid, pikepdf.Dictionary) and kid.get("/Type") == pikepdf.Name.MCR:
            if "/Stm" in kid:
                raise NotComposable("marked content in a form XObject")
            found.append((kid.get("/Pg", page).objgen, int(kid.MCID)))
        elif _is_element(kid):
            found += _content(kid, page)
    return found


def _copy_resource(out: Any, value: Any) -> Any:
    """A resource (a font, a graphics state...) of another PDF copied into `out`: its indirect objects with qpdf's
    foreign copy (fonts are streams), its direct dictionaries and arrays one by one."""
    import pikepdf

    if isinstance(value, pikepdf.Object) and value.is_indirect:
        return out.copy_foreign(value)
    if isinstance(value, pikepdf.Dictionary):
        return pikepdf.Dictionary({k: _copy_resource(out, v) for k, v in value.items()})
    if isinstance(value, pikepdf.Array):
        return pikepdf.Array([_copy_resource(out, v) for v in value])
    return value


def _clone(out: Any, value: Any, depth: int = 0) -> Any:
    """A dictionary, array or simple object of another PDF, copied into `out` as a new object of its own (no
    reference into the other PDF stays: qpdf's foreign copies keep the whole source alive while `out` is open)."""
    import pikepdf

    if depth > 20 or isinstance(value, pikepdf.Stream):
        raise NotComposable("a stream or a deep object graph in an entry's links or structure")
    copied: Any
    if isinstance(value, pikepdf.Dictionary):
        copied = pikepdf.Dictionary({k: _clone(out, v, depth + 1) for k, v in value.items()})
    elif isinstance(value, pikepdf.Array):
        copied = pikepdf.Array([_clone(out, v, depth + 1) for v in value])
    else:
        return value
    return out.make_indirect(copied) if value.is_indirect else copied


@dataclass
class _Read:
    """What was read of a piece of the bibliography, kept while it is closed and opened again: its pages'
    sequences (made content to copy), its list items (object numbers, MCIDs) by page."""

    pages: dict[int, _Page] = field(default_factory=dict)
    drawn: dict[tuple[int, int], tuple[bytes, bytes, bytes, dict[str, dict[str, Any]]] | NotComposable] = \
        field(default_factory=dict)
    items: dict[int, list[tuple[tuple[int, int], list[int]]]] | None = None
    # page -> (lowest and highest baseline, object number, MCIDs) of each list item whose every sequence has text
    spans: dict[int, list[tuple[float, float, tuple[int, int], list[int]]]] = field(default_factory=dict)


class _Piece:
    """One typeset piece of the bibliography, open while the entries on its pages are moved: each page read once
    (its sequences made content to copy, their instructions then let go) and its list items found once, even
    over several openings (`read`)."""

    def __init__(self, pdf: Any, number: int, shared: dict[Any, Any], read: _Read | None = None) -> None:
        self.pdf = pdf
        self.number = number
        self._shared = shared  # equal states, tags and resource sets kept once, across pieces
        self.read = read or _Read()
        self._pages = self.read.pages
        self._drawn = self.read.drawn

    def page(self, index: int) -> _Page:
        if index not in self._pages:
            page = self._pages[index] = _read_page(self.pdf.pages[index])
            for mcid, sequence in page.sequences.items():
                try:
                    self._drawn[index, mcid] = self._draw(index, sequence)
                except NotComposable as why:
                    self._drawn[index, mcid] = why
                sequence.instructions = []
                sequence.state = self._shared.setdefault(("state", sequence.state.ctm), _State(sequence.state.ctm))
        return self._pages[index]

    def drawn(self, index: int, mcid: int) -> tuple[bytes, bytes, bytes, dict[str, dict[str, Any]]]:
        """A sequence as content to copy: the graphics state it is drawn in and its body (between its BDC and EMC)
        as bytes whose resource names are those of the composed parts, its tag, and the resources it uses
        ({category: {new name: (piece, page, name in the piece)}})."""
        self.page(index)
        found = self._drawn[index, mcid]
        if isinstance(found, NotComposable):
            raise found
        return found

    def _draw(self, index: int, sequence: _Sequence) -> tuple[bytes, bytes, bytes, dict[str, dict[str, Any]]]:
        import pikepdf

        resources = self.pdf.pages[index].obj.get("/Resources")
        used: dict[str, dict[str, Any]] = {}

        def renamed(item: Any) -> Any:
            operator = str(item.operator)
            if operator not in _RESOURCE_OPERAND:
                return item
            operands = list(item.operands)
            if operands:
                category, at = _RESOURCE_OPERAND[operator]
                name = operands[at]
                value = _get(_get(resources, category), str(name)) if isinstance(name, pikepdf.Name) else None
                if value is not None:  # else a device colour space: not a resource
                    new = (f"/LR{self.number}{category[1]}{value.objgen[0]}" if value.is_indirect else
                           f"/LR{self.number}{category[1]}{index}" + re.sub(r"[^A-Za-z0-9.]", "", str(name)[1:]))
                    used.setdefault(category, {})[new] = (self.number, index, str(name))
                    operands[at] = pikepdf.Name(new)
            return pikepdf.ContentStreamInstruction(operands, pikepdf.Operator(operator))

        body = sequence.instructions
        if sum(str(i.operator) == "q" for i in body) != sum(str(i.operator) == "Q" for i in body):
            raise NotComposable("a marked-content sequence saves and restores the state unevenly")
        tag, properties = body[0].operands
        if set(properties.keys()) != {"/MCID"}:
            raise NotComposable("a marked-content sequence with properties besides its MCID")
        state = pikepdf.unparse_content_stream([renamed(i) for i in sequence.state.instructions()])
        drawn = pikepdf.unparse_content_stream([renamed(i) for i in body[1:-1]])
        # Shared when equal (most sequences of a page are drawn in the same state, with the same resources).
        return (self._shared.setdefault(state, state + b"\n"), drawn + b"\n",
                self._shared.setdefault(str(tag), str(tag).encode()),
                self._shared.setdefault(repr(sorted((k, sorted(v.items())) for k, v in used.items())), used))

    def item(self, place: Place) -> tuple[Any, list[int]]:
        """The LI element of the entry at `place` (the one whose every text baseline lies in its box), its MCIDs."""
        if self.read.items is None:
            items: dict[int, list[tuple[tuple[int, int], list[int]]]] = {}
            index = {p.obj.objgen: i for i, p in enumerate(self.pdf.pages)}

            def walk(element: Any) -> None:
                for kid in _kids(element):
                    if not _is_element(kid):
                        continue
                    if kid.get("/S") != "/LI":
                        walk(kid)
                        continue
                    content = _content(kid, None)
                    pages = {index.get(p, -1) for p, _ in content}
                    if len(pages) == 1 and -1 not in pages and kid.is_indirect:  # never over two pages
                        items.setdefault(pages.pop(), []).append((kid.objgen, [m for _, m in content]))

            walk(_get(self.pdf.Root, "/StructTreeRoot"))
            self.read.items = items
        if place.page not in self.read.spans:
            page = self.page(place.page)
            spans = []
            for objgen, mcids in self.read.items.get(place.page, []):
                found = [page.sequences[m].y if m in page.sequences else None for m in mcids]
                ys = [y for y in found if y is not None]
                if ys and len(ys) == len(found):
                    spans.append((min(ys), max(ys), objgen, mcids))
            self.read.spans[place.page] = spans
        for low, high, objgen, mcids in self.read.spans[place.page]:
            if place.box[1] <= low and high <= place.box[3]:
                return self.pdf.get_object(objgen), mcids
        raise NotComposable(f"no list item of the bibliography at {place}")


def compose_all(skeletons: Sequence[Skeleton], pieces: Sequence[bytes],
                places: dict[str, Place]) -> list[bytes | NotComposable]:
    """Each skeleton (a tagged, compacted list part of one empty box per page, with where its entries go) with its
    entries' content moved in from the bibliography's pieces; or why it cannot be. Lists are composed a group at a
    time (about GROUP_ENTRIES entries: an entry moved in holds about 20 KB in qpdf until its list is written); for
    each group the pieces are opened one at a time, and what was read of a piece is kept for the next group (a
    bibliography held open whole cost about 40 MB at 1,000 entries)."""
    results: list[bytes | NotComposable] = []
    shared: dict[Any, Any] = {}
    read: dict[int, _Read] = {}
    group: list[Skeleton] = []
    for number, skeleton in enumerate(skeletons):
        group.append(skeleton)
        if number == len(skeletons) - 1 or sum(len(s.order) for s in group) + len(skeletons[number + 1].order) \
                > GROUP_ENTRIES:
            results += _compose_group(group, pieces, places, shared, read)
            group = []
    return results


# Each group opens every piece of the bibliography once (about 3 ms each) and reads again what it moves: at M (3,900
# entries), groups of 1,200 composed with 0.87 of the CPU of groups of 400, the build's peak memory the same (the
# composing worker's own peak is not the build's); 4,000 (one group) took the build to about 400 MB.
GROUP_ENTRIES = 1200


def _compose_group(skeletons: Sequence[Skeleton], pieces: Sequence[bytes], places: dict[str, Place],
                   shared: dict[Any, Any], read: dict[int, _Read]) -> list[bytes | NotComposable]:
    targets: list[_Target | NotComposable] = []
    for skeleton in skeletons:
        try:
            targets.append(_Target(skeleton, places))
        except NotComposable as why:
            targets.append(why)
    wanted: dict[int, dict[int, list[tuple[int, str]]]] = {}  # piece -> page -> [(target, entry)]
    for number, target in enumerate(targets):
        if isinstance(target, _Target):
            for entry_id in target.order:
                place = places[entry_id]
                wanted.setdefault(place.piece, {}).setdefault(place.page, []).append((number, entry_id))
    for piece_number in sorted(wanted):
        with _open(pieces[piece_number]) as pdf:
            piece = _Piece(pdf, piece_number, shared, read.setdefault(piece_number, _Read()))
            for page_index in sorted(wanted[piece_number]):
                for number, entry_id in wanted[piece_number][page_index]:
                    target = targets[number]
                    if isinstance(target, _Target):
                        try:
                            target.add(entry_id, piece)
                        except NotComposable as why:
                            target.close()
                            targets[number] = why
            # The resources (fonts, mostly) the group's lists now use from this piece, copied while it is open.
            for target in targets:
                if isinstance(target, _Target):
                    target.take_resources(piece_number, pdf)
    results: list[bytes | NotComposable] = []
    for target in targets:
        if isinstance(target, _Target):
            try:
                results.append(target.finish(pieces))
            except NotComposable as why:
                results.append(why)
            finally:
                target.close()
        else:
            results.append(target)
    return results


def _list_items(root: Any) -> list[Any]:
    found: list[Any] = []

    def walk(element: Any) -> None:
        for kid in _kids(element):
            if _is_element(kid):
                if kid.get("/S") == "/LI":
                    found.append(kid)
                else:
                    walk(kid)

    walk(root)
    return found


class _Target:
    """A list being composed: its skeleton, open, taking its entries one at a time in any order."""

    def __init__(self, skeleton: Skeleton, places: dict[str, Place]) -> None:
        self.out = _open(skeleton.pdf)
        try:
            self._open(skeleton)
        except NotComposable:
            self.close()
            raise
        self.places = places
        self.added: dict[int, list[bytes]] = {}  # skeleton page -> the content to add to it
        self.used: dict[int, dict[str, dict[str, Any]]] = {}  # skeleton page -> its new resources
        self.copies: dict[str, Any] = {}  # resource name -> its copy in `out`

    def _open(self, skeleton: Skeleton) -> None:
        """Each page's box becomes a list item per entry it holds, in its place in the list; each entry's ids
        become destinations at its top."""
        import pikepdf

        self.root = _get(self.out.Root, "/StructTreeRoot")
        self.tree = _get(self.root, "/ParentTree")
        if self.tree is None or "/Kids" in self.tree or "/Nums" not in self.tree:
            raise NotComposable("the skeleton's parent tree is not a flat number tree")
        boxes = _list_items(self.root)
        if len(boxes) != len(self.out.pages) or not all(name in skeleton.slots for name in skeleton.order):
            raise NotComposable(f"{len(boxes)} list items in the skeleton for {len(self.out.pages)} pages")
        by_page: dict[int, list[str]] = {}
        for entry_id in skeleton.order:
            by_page.setdefault(skeleton.slots[entry_id][0], []).append(entry_id)
        self.items: dict[str, Any] = {}
        destinations: dict[str, Any] = {}
        for index, box in enumerate(boxes):
            page = self.out.pages[index]
            parent = box.get("/P")
            if parent is None or parent.get("/S") != pikepdf.Name.L or box.get("/Pg") is None \
                    or box.Pg.objgen != page.obj.objgen:
                raise NotComposable(f"the box of page {index} is not a list item on that page")
            items = []
            for entry_id in by_page.get(index, []):
                item = self.out.make_indirect(pikepdf.Dictionary(Type=pikepdf.Name.StructElem, S=pikepdf.Name.LI,
                                                                 P=parent, Pg=page.obj))
                self.items[entry_id] = item
                items.append(item)
                left, top = skeleton.slots[entry_id][1][:2]
                mediabox = [float(v) for v in page.mediabox]
                at = [page.obj, pikepdf.Name.XYZ, _decimal(mediabox[0] + 0.75 * left),
                      _decimal(mediabox[3] - 0.75 * top), 0]
                for name in skeleton.anchors.get(entry_id, [entry_id]):
                    destinations.setdefault(name, pikepdf.Array(at))
            kids = _kids(parent)
            place = next(n for n, kid in enumerate(kids) if _is_element(kid) and kid.objgen == box.objgen)
            parent.K = pikepdf.Array(kids[:place] + items + kids[place + 1:])
        names = _get(self.out.Root, "/Names")
        if names is None:
            self.out.Root.Names = names = pikepdf.Dictionary()
        tree = _get(names, "/Dests")
        if tree is not None and "/Kids" in tree:
            raise NotComposable("the skeleton's destinations are not a flat name tree")
        flat = list(tree.Names) if tree is not None and "/Names" in tree else []
        for n in range(0, len(flat) - 1, 2):
            destinations.setdefault(str(flat[n]), flat[n + 1])
        names.Dests = pikepdf.Dictionary(Names=pikepdf.Array(
            [v for name in sorted(destinations, key=lambda d: d.encode()) for v in (pikepdf.String(name),
                                                                                      destinations[name])]))
        self.order = list(skeleton.order)
        self.slots = skeleton.slots
        self.nums = dict(_number_tree(self.tree))
        self.next_key = max([int(self.root.get("/ParentTreeNextKey", 0)), *[k + 1 for k in self.nums]])

    def close(self) -> None:
        self.out.close()

    def add(self, entry_id: str, piece: _Piece) -> None:
        """Move the entry in from its page of `piece` (open)."""
        import pikepdf

        out = self.out
        page_index, box = self.slots[entry_id]
        place = self.places[entry_id]
        cut = self.places.get(CUT_PREFIX + entry_id)
        bottom = cut.box[1] if cut is not None else place.box[3]
        if abs((box[2] - box[0]) - (place.box[2] - place.box[0])) > 0.01 or \
                abs((box[3] - box[1]) - (bottom - place.box[1])) > 0.01:
            raise NotComposable(f"entry {entry_id}: its box in the skeleton is not its box in the bibliography")
        dx, dy = box[0] - place.box[0], box[1] - place.box[1]
        source = piece.page(place.page)
        if not source.safe:
            raise NotComposable("the bibliography's page paints outside marked content")
        item, mcids = piece.item(place)
        page = out.pages[page_index].obj
        if "/StructParents" not in page:
            page.StructParents = self.next_key
            self.nums[self.next_key] = out.make_indirect(pikepdf.Array())
            self.next_key += 1
        holders = self.nums[int(page.StructParents)]
        if not isinstance(holders, pikepdf.Array):
            raise NotComposable("a page's parent-tree entry is not an array")

        # Content: the entry's sequences above its "Cited in" line, each in the graphics state it was drawn in,
        # moved by the distance between its box in the bibliography and in the skeleton.
        kept = sorted((m for m in mcids if place.box[1] <= (source.sequences[m].y or -1.0) < bottom),
                      key=lambda m: source.sequences[m].order)
        if not kept:
            raise NotComposable(f"entry {entry_id} has no content above its cut")
        start = len(holders)
        renumber = {mcid: start + i for i, mcid in enumerate(kept)}
        ctm = source.sequences[kept[0]].state.ctm
        cm = pikepdf.Operator("cm")
        content = self.added.setdefault(page_index, [])
        page_used = self.used.setdefault(page_index, {})
        move = (b"q\n" + pikepdf.unparse_content_stream([pikepdf.ContentStreamInstruction(list(ctm), cm),
                                                          pikepdf.ContentStreamInstruction([1, 0, 0, 1, dx, dy], cm)])
                + b"\n")
        for mcid in kept:
            if source.sequences[mcid].state.ctm != ctm:
                raise NotComposable(f"entry {entry_id} is drawn in two coordinate systems")
            state, body, tag, resources_used = piece.drawn(place.page, mcid)
            content += [move, state, tag, b" <</MCID %d>> BDC\n" % renumber[mcid], body, b"EMC\nQ\n"]
            for category, names in resources_used.items():
                page_used.setdefault(category, {}).update(names)

        # Structure: the skeleton's item takes the entry's elements that hold kept content; links take copies of
        # their annotations, moved as their text was.
        shift = (ctm[0] * dx + ctm[2] * dy, ctm[1] * dx + ctm[3] * dy)
        target = self.items[entry_id]
        copying = _StructureCopy(out, page, shift, renumber, self.nums, self.next_key)
        if not copying.copy(item, target):
            raise NotComposable(f"entry {entry_id}: nothing kept")
        self.next_key = copying.next_key
        for mcid in range(start, start + len(kept)):
            holders.append(copying.owners[mcid])

    def take_resources(self, number: int, pdf: Any) -> None:
        """Copy the resources the entries added so far use from piece `number` (`pdf`, open) into the list."""
        for names_by_category in self.used.values():
            for category, names in names_by_category.items():
                for name, (piece, index, original) in sorted(names.items()):
                    if piece == number and name not in self.copies:
                        self.copies[name] = _copy_resource(self.out,
                                                           pdf.pages[index].obj.Resources[category][original])

    def finish(self, pieces: Sequence[bytes]) -> bytes:
        """The composed part; the resources its entries use are copied from any piece not taken from yet."""
        import pikepdf

        out = self.out
        missing = sorted({piece for names_by_category in self.used.values() for names in names_by_category.values()
                          for name, (piece, _, _) in names.items() if name not in self.copies})
        for number in missing:
            with _open(pieces[number]) as pdf:
                self.take_resources(number, pdf)
        for page_index, content in self.added.items():
            page = out.pages[page_index].obj
            _draw_over(out, page, b"".join(content))
            resources = page.get("/Resources")
            if resources is None:
                page.Resources = resources = pikepdf.Dictionary()
            for category, names in self.used[page_index].items():
                if category not in resources:
                    resources[category] = pikepdf.Dictionary()
                for name in names:
                    resources[category][name] = self.copies[name]
        self.tree.Nums = pikepdf.Array([v for key in sorted(self.nums) for v in (key, self.nums[key])])
        self.root.ParentTreeNextKey = self.next_key
        return _save(out)


@dataclass
class _StructureCopy:
    """Copies an entry's structure elements into a composed part: those that hold kept content (their MCIDs
    renumbered), each link with a copy of its annotation, moved by `shift` (default user space)."""

    out: Any
    page: Any
    shift: tuple[float, float]
    renumber: dict[int, int]
    nums: dict[int, Any]  # the parent tree, added to
    next_key: int
    owners: dict[int, Any] = field(default_factory=dict)  # new MCID -> the element holding it

    def copy(self, element: Any, new: Any) -> bool:
        """Fill `new` from `element`; False (and `new` left alone) when nothing of it is kept."""
        import pikepdf

        kids: list[Any] = []  # in the source's order; an annotation's place held by the annotation itself
        links: list[int] = []  # where in `kids` the object references (links' annotations) are
        mcr, objr = _references()
        for kid in _kids(element):
            kind = kid.get("/Type") if isinstance(kid, pikepdf.Dictionary) else None
            if isinstance(kid, int) or kind == mcr:
                mcid = kid if isinstance(kid, int) else int(kid.MCID)
                if mcid in self.renumber:
                    kids.append(self.renumber[mcid])
                    self.owners[self.renumber[mcid]] = new
            elif kind == objr:
                links.append(len(kids))
                kids.append(kid)
            elif _is_element(kid):
                child = self.out.make_indirect(pikepdf.Dictionary(Type=pikepdf.Name.StructElem, S=kid.S, P=new,
                                                                  Pg=self.page))
                if self.copy(kid, child):
                    kids.append(child)
        if len(links) == len(kids):
            return False  # nothing drawn is kept (a link of the "Cited in" line)
        for i in links:
            link = _copy_annotation(self.out, kids[i].Obj, self.shift, self.page, self.next_key)
            self.nums[self.next_key] = new
            self.next_key += 1
            kids[i] = pikepdf.Dictionary(Type=objr, Obj=link, Pg=self.page)
        for key, value in element.items():
            if key not in _ELEMENT_SKIP:
                new[key] = _clone(self.out, value)
        new.K = pikepdf.Array(kids)
        new.Pg = self.page
        return True


def _copy_annotation(out: Any, annotation: Any, shift: tuple[float, float], page: Any, key: int) -> Any:
    import pikepdf

    destination = annotation.get("/Dest")
    action = annotation.get("/A")
    if isinstance(destination, pikepdf.Array) or (action is not None and isinstance(action.get("/D"), pikepdf.Array)):
        raise NotComposable("a link to a page of the bibliography")
    new = pikepdf.Dictionary(Type=pikepdf.Name.Annot)
    for name in _ANNOTATION_KEYS:
        if name in annotation:
            new[name] = _clone(out, annotation[name])
    x0, y0, x1, y1 = (float(v) for v in annotation.Rect)
    new.Rect = pikepdf.Array([x0 + shift[0], y0 + shift[1], x1 + shift[0], y1 + shift[1]])
    if "/QuadPoints" in annotation:
        points = [float(v) for v in annotation.QuadPoints]
        new.QuadPoints = pikepdf.Array([v + shift[i % 2] for i, v in enumerate(points)])
    new.StructParent = key
    new.P = page
    link = out.make_indirect(new)
    if "/Annots" not in page:
        page.Annots = pikepdf.Array()
    page.Annots.append(link)
    page.Tabs = pikepdf.Name.S
    return link
