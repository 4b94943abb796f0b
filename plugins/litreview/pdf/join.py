"""Join separately typeset PDFs into one tagged PDF (pikepdf, imported here only): pages, structure, links, outline.

Each part is a tagged PDF that WeasyPrint wrote on its own (the cover and contents, one chapter, a chapter's
references). Joining keeps what a reader and a screen reader need across parts: the named destinations of
every part (so `lr-dest:NAME` links written while typesetting one part lead into another), one outline, one
structure tree (each later part becomes a `Part` of the first part's `Document`) and page numbers stamped as
pagination artifacts, so a part is typeset without knowing on which page of the book it starts.

pikepdf (qpdf) copies each part's objects once, keeping the references between them: a page, its annotations,
the structure elements that point at it and the destinations into it stay one graph in the joined file.
"""
from __future__ import annotations

import functools
import io
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from urllib.parse import unquote

from .numbers import stamp

DEST_SCHEME = "lr-dest:"  # a link to a place in another part; resolved when the parts are joined
# Ids litreview adds to measure where WeasyPrint put something (pdf/compose.py); never destinations of the PDF.
MEASURE_PREFIX = "lr-cut--"


@dataclass(frozen=True)
class PartInfo:
    """What the layout of the book needs to know of a typeset part."""

    pages: int
    dests: dict[str, int]  # named destination -> page index within the part


def _open(pdf: bytes) -> Any:
    import pikepdf

    return pikepdf.open(io.BytesIO(pdf))


def _page_index(pdf: Any) -> dict[tuple[int, int], int]:
    return {page.obj.objgen: i for i, page in enumerate(pdf.pages)}


def part_info(pdf: bytes | Sequence[bytes]) -> PartInfo:
    """Pages and named destinations of a part, or of the pieces of one (their pages one after another)."""
    if not isinstance(pdf, bytes):
        pages, found = 0, dict[str, int]()
        for piece in pdf:
            info = part_info(piece)
            for name, number in info.dests.items():
                found.setdefault(name, pages + number)
            pages += info.pages
        return PartInfo(pages, found)
    if not pdf:  # nothing written (a section not laid out as asked)
        return PartInfo(0, {})
    with _open(pdf) as part:
        index = _page_index(part)
        dests: dict[str, int] = {}
        for name, array in _dest_items(part):
            target = array[0] if len(array) else None
            at = index.get(target.objgen) if target is not None and target.is_indirect else None
            if at is not None:
                dests[name] = at
        return PartInfo(len(part.pages), dests)


_PLAIN_SPAN_KEYS = {"/Type", "/S", "/P", "/Pg", "/K"}


def _kids(item: Any) -> list[Any]:
    """A structure node's /K as a list (it may be one object, an array or absent)."""
    kids = item.get("/K")
    return list(kids) if isinstance(kids, _pikepdf().Array) else [] if kids is None else [kids]


@functools.cache
def _pikepdf() -> Any:
    """pikepdf, imported on first use (the helpers below run for every structure element: tens of thousands of
    times per part)."""
    import pikepdf

    return pikepdf


@functools.cache
def _references() -> tuple[Any, Any]:
    """The names of marked-content and object references, made once."""
    return _pikepdf().Name.MCR, _pikepdf().Name.OBJR


def _kids_array(element: Any) -> Any:
    """The element's /K, made an array (of its one kid, or empty) so kids can be appended."""
    import pikepdf

    if not isinstance(element.get("/K"), pikepdf.Array):
        element.K = pikepdf.Array(_kids(element))
    return element.K


def _is_element(item: Any) -> bool:
    """A structure element (not a marked-content or object reference)."""
    return isinstance(item, _pikepdf().Dictionary) and "/S" in item and item.get("/Type") not in _references()


def _save(pdf: Any) -> bytes:
    """The PDF's bytes, the same for the same content (file ID from the content, object streams, compressed)."""
    import pikepdf

    out = io.BytesIO()
    pdf.save(out, deterministic_id=True, object_stream_mode=pikepdf.ObjectStreamMode.generate,
             compress_streams=True, fix_metadata_version=False)
    return out.getvalue()


def _draw_over(pdf: Any, page: Any, content: bytes) -> None:
    """Add `content` over the page's drawing (`page`: its dictionary), in the page's default coordinates: the
    drawing so far is put in a saved graphics state of its own, so whatever it leaves set does not reach `content`."""
    import pikepdf

    contents = page.Contents
    data = b"\n".join(s.read_bytes() for s in contents) if isinstance(contents, pikepdf.Array) \
        else contents.read_bytes()
    page.Contents = pdf.make_stream(b"q\n" + data + b"\nQ\n" + content)


def compact_structure(pdf: bytes, edit: Callable[[Any], None] | None = None) -> bytes:
    """The same tagged PDF with about half its objects: each `Span` structure element that carries nothing of its
    own (no attributes, no alternate text, no language) is folded into its parent, which takes over its marked
    content and its child elements, and object references (`OBJR`) become direct objects.

    WeasyPrint writes a `Span` element for every run of text on a line, half of a part's objects; a screen reader
    learns nothing from them (the parent paragraph, heading or link holds the same content). Fewer objects make
    joining the book faster and smaller in memory (qpdf holds every object of every part while joining).
    `edit(pdf)`, when given, changes the open PDF first.
    """
    import pikepdf

    with _open(pdf) as doc:
        if edit is not None:  # another change to the open PDF (pdf/backlinks.py, pdf/leaders.py), saved with it
            edit(doc)
        root = _get(doc.Root, "/StructTreeRoot")
        if root is None:
            return pdf if edit is None else _save(doc)
        moved: dict[tuple[tuple[int, int], int], Any] = {}  # (page, MCID) -> the element now holding it
        span, (mcr, objr) = pikepdf.Name.Span, _references()  # made once, compared often
        dictionary, array = pikepdf.Dictionary, pikepdf.Array

        def plain_span(item: Any, kids: list[Any]) -> bool:
            """`item` (an element, its kids `kids`) is a Span that carries nothing of its own."""
            if item.get("/S") != span or not item.is_indirect or not set(item.keys()) <= _PLAIN_SPAN_KEYS:
                return False
            for kid in kids:
                if isinstance(kid, int):
                    if item.get("/Pg") is None:
                        return False
                elif not isinstance(kid, dictionary) or (kid.get("/Type") != mcr and not _is_element(kid)):
                    return False
            return True

        def fold(element: Any, kids: list[Any]) -> list[Any]:
            """Fold the plain spans below `element` (its kids `kids`); its kids afterwards."""
            page = element.get("/Pg")
            new: list[Any] = []
            changed = False
            for kid in kids:
                if isinstance(kid, int):  # a marked-content sequence on the element's page: most kids
                    pass
                elif _is_element(kid):
                    grandkids = fold(kid, _kids(kid))
                    if plain_span(kid, grandkids):
                        span_page = kid.get("/Pg")
                        for item in grandkids:
                            if isinstance(item, int):
                                same = page is not None and page.objgen == span_page.objgen
                                new.append(item if same else dictionary(Type=mcr, MCID=item, Pg=span_page))
                                moved[(span_page.objgen, item)] = element
                            elif _is_element(item):
                                item.P = element
                                new.append(item)
                            else:
                                new.append(item)
                                moved[(item.get("/Pg", span_page).objgen, int(item.MCID))] = element
                        changed = True
                        continue
                elif isinstance(kid, dictionary) and kid.is_indirect and kid.get("/Type") == objr:
                    kid = dictionary(dict(kid.items()))
                    changed = True
                new.append(kid)
            if not changed:
                return kids
            element.K = array(new)
            return new

        for top in _kids(root):
            if _is_element(top):
                fold(top, _kids(top))

        # What the tree holds: WeasyPrint tags running heads as content of elements that are in no tree; a
        # screen reader never reaches them and PDF/UA wants them marked as what they are, pagination artifacts.
        held: set[tuple[tuple[int, int], int]] = set()

        def gather(element: Any) -> None:
            page = element.get("/Pg")
            for kid in _kids(element):
                if isinstance(kid, int) and page is not None:
                    held.add((page.objgen, kid))
                elif isinstance(kid, pikepdf.Dictionary) and kid.get("/Type") == pikepdf.Name.MCR:
                    target = kid.get("/Pg", page)
                    if target is not None:
                        held.add((target.objgen, int(kid.MCID)))
                elif _is_element(kid):
                    gather(kid)

        for top in _kids(root):
            if _is_element(top):
                gather(top)
        unheld = _mark_unheld_as_artifacts(doc, held)

        pages = {int(p.obj.StructParents): p.obj.objgen for p in doc.pages if "/StructParents" in p.obj}
        for key, value in _number_tree(_get(root, "/ParentTree")):
            if key in pages and isinstance(value, pikepdf.Array):
                for mcid in range(len(value)):
                    holder = moved.get((pages[key], mcid))
                    if holder is not None:
                        value[mcid] = holder
                    elif (pages[key], mcid) in unheld:
                        value[mcid] = None  # no element: the orphan goes
        return _save(doc)


# A marked-content sequence with an MCID, as WeasyPrint writes it (its text is hex glyph strings, so these bytes
# never come from a page's text).
_MARKED = re.compile(rb"/[A-Za-z0-9]+\s*<<\s*/MCID\s+(\d+)\s*>>\s*BDC")


def _mark_unheld_as_artifacts(doc: Any, held: set[tuple[tuple[int, int], int]]) -> set[tuple[tuple[int, int], int]]:
    """Turn each marked-content sequence that no element of the tree holds into a pagination artifact."""
    import pikepdf

    changed: set[tuple[tuple[int, int], int]] = set()
    for page in doc.pages:
        contents = page.obj.get("/Contents")
        if contents is None:
            continue
        streams = list(contents) if isinstance(contents, pikepdf.Array) else [contents]
        data = b"\n".join(stream.read_bytes() for stream in streams)
        page_id = page.obj.objgen

        def artifact(m: re.Match[bytes], page_id: tuple[int, int] = page_id) -> bytes:
            if (page_id, int(m.group(1))) in held:
                return m.group(0)
            changed.add((page_id, int(m.group(1))))
            return b"/Artifact <</Type /Pagination>> BDC"

        rewritten = _MARKED.sub(artifact, data)
        if rewritten != data:
            page.obj.Contents = doc.make_stream(rewritten)
    return changed


def _get(dictionary: Any, key: str) -> Any:
    return dictionary.get(key) if dictionary is not None else None


def _dest_items(pdf: Any) -> list[tuple[str, Any]]:
    """(name, destination array) of the catalog's /Dests name tree (flat or with /Kids)."""
    import pikepdf

    tree = _get(_get(pdf.Root, "/Names"), "/Dests")
    found: list[tuple[str, Any]] = []

    def walk(node: Any) -> None:
        flat = node.get("/Names")
        if flat is not None:
            for i in range(0, len(flat) - 1, 2):
                if str(flat[i]).startswith(MEASURE_PREFIX):
                    continue
                value = flat[i + 1]
                if isinstance(value, pikepdf.Dictionary):
                    value = value.get("/D")
                found.append((str(flat[i]), value if value is not None else pikepdf.Array()))
        for kid in node.get("/Kids", []):
            walk(kid)

    if tree is not None:
        walk(tree)
    return found


def _number_tree(node: Any) -> Iterator[tuple[int, Any]]:
    """(key, value) of a number tree (flat or with /Kids)."""
    if node is None:
        return
    nums = node.get("/Nums")
    if nums is not None:
        for i in range(0, len(nums) - 1, 2):
            yield int(nums[i]), nums[i + 1]
    for kid in node.get("/Kids", []):
        yield from _number_tree(kid)


def _parent_tree_items(pdf: Any) -> list[tuple[int, Any]]:
    return list(_number_tree(_get(_get(pdf.Root, "/StructTreeRoot"), "/ParentTree")))


def _nowhere(name: str) -> str:
    return ""


def join(parts: Sequence[bytes | Sequence[bytes]], sample: bytes = b"", labels: Sequence[str] = (),
         labels_from: int = 0, outside: Callable[[str], str] = _nowhere, body_from: int = 0) -> bytes:
    """One PDF of `parts` in order, its document information, XMP metadata and language from the first.

    `labels`: page numbers drawn over the pages from `labels_from` on as pagination artifacts, from `sample`, the
    typeset footer of pdf/numbers.py.
    `body_from`: where the numbered pages start; the pages before it (cover, contents) are labelled i, ii...
    in the reader's page box and page `body_from` is labelled 1, as its printed number says.
    `outside`: the URL for an `lr-dest:` name that no part holds (empty: the link goes, its text stays).
    A part may be a list of pieces of one document (a long list typeset in pieces, pdf/parts.py): the structure of
    a later piece continues the piece before it rather than becoming a `Part` of its own.
    The file ID is derived from the joined content, so the same parts always give the same bytes.

    Each later part is opened, copied into the book and closed before the next one, so the join holds the book
    and one part, not every part at once.
    """
    import pikepdf

    flat = [(piece, i > 0) for part in parts for i, piece in enumerate([part] if isinstance(part, bytes) else part)]
    book = _Book(_open(flat[0][0]))
    try:
        for piece, continues in flat[1:]:
            with _open(piece) as pdf:
                book.add(pdf, continues)
        book.finish()
        _resolve_links(book.pdf, set(book.dests), outside)
        if labels:
            with _open(sample) as numbers:
                stamp(book.pdf, numbers, list(labels), labels_from)
        if body_from:
            book.pdf.Root.PageLabels = pikepdf.Dictionary(Nums=pikepdf.Array([
                0, pikepdf.Dictionary(S=pikepdf.Name.r), body_from, pikepdf.Dictionary(S=pikepdf.Name.D)]))
        return _save(book.pdf)
    finally:
        book.pdf.close()


class _Book:
    """The first part, growing as later parts are copied into it (pages, structure, destinations, outline)."""

    def __init__(self, pdf: Any) -> None:
        import pikepdf

        self.pdf = pdf
        self.nums: list[Any] = []  # the parent tree, as a Python list (growing an Array is slow)
        for key, value in _parent_tree_items(pdf):
            self.nums += [key, value]
        self.next_key = max((k for k in self.nums[::2]), default=-1) + 1
        self.root = _get(pdf.Root, "/StructTreeRoot")
        self.document: Any = None
        if self.root is not None:
            kids = self.root.get("/K")
            self.document = kids[0] if isinstance(kids, pikepdf.Array) else kids
            _kids_array(self.document)
        self.last = self.document  # the element a following piece continues
        self.dests: dict[str, Any] = {}
        for name, array in _dest_items(pdf):
            self.dests.setdefault(name, array)
        self.outline = _outline_items(pdf, 0)

    def add(self, part: Any, continues: bool) -> None:
        """Copy `part` in after the pages so far (`continues`: it is the next piece of the part before); the part
        may be closed afterwards."""
        page_offset, key_offset = len(self.pdf.pages), self.next_key
        for page in part.pages:
            self.pdf.pages.append(page)
            new = self.pdf.pages[-1].obj
            if "/StructParents" in new:
                new.StructParents = int(new.StructParents) + key_offset
            for annot in new.get("/Annots", []):
                if "/StructParent" in annot:
                    annot.StructParent = int(annot.StructParent) + key_offset
        items = _parent_tree_items(part)
        self.next_key += max((k for k, _ in items), default=-1) + 1
        if self.root is not None:
            self._add_structure(part, items, key_offset, continues)
        new = [(name, array) for name, array in _dest_items(part) if name not in self.dests]
        if new:  # copied by qpdf in one call (held in one array of the part first), not item by item
            import pikepdf

            copied = self.pdf.copy_foreign(part.make_indirect(pikepdf.Array([array for _, array in new])))
            for (name, _), array in zip(new, copied, strict=True):
                self.dests.setdefault(name, array)
        self.outline += _outline_items(part, page_offset)

    def _add_structure(self, part: Any, items: list[tuple[int, Any]], offset: int, continues: bool) -> None:
        import pikepdf

        source = _get(part.Root, "/StructTreeRoot")
        if source is None:
            return
        for element in _kids(source):
            kids = _kids(element)
            if continues and all(isinstance(k, pikepdf.Dictionary) and "/S" in k for k in kids):
                moved, parent = kids, self.last  # the piece's Document continues the piece before
            else:
                moved, parent = [element], None
            for item in moved:
                if "/P" in item:
                    del item.P  # its parent is the part's own: the copy must not drag it along
                copy = self.pdf.copy_foreign(item)
                if parent is None:
                    copy.S = pikepdf.Name.Part
                    copy.P = self.document
                    self.document.K.append(copy)
                    self.last = copy
                else:
                    copy.P = parent
                    _kids_array(parent).append(copy)
        for key, value in items:
            if isinstance(value, pikepdf.Array) and not value.is_indirect:
                value = part.make_indirect(value)  # copied by qpdf in one call, not item by item
            self.nums += [key + offset, _copy(self.pdf, value)]
        role_map = source.get("/RoleMap")
        if role_map is not None:
            if "/RoleMap" not in self.root:
                self.root.RoleMap = pikepdf.Dictionary()
            for name, role in role_map.items():
                if name not in self.root.RoleMap:
                    self.root.RoleMap[name] = _copy(self.pdf, role)

    def finish(self) -> None:
        """Write the joined parent tree, destinations and outline."""
        import pikepdf

        book = self.pdf
        if self.root is not None:
            self.root.ParentTree = book.make_indirect(pikepdf.Dictionary(Nums=pikepdf.Array(self.nums)))
            self.root.ParentTreeNextKey = self.next_key
        flat: list[Any] = []
        for name in sorted(self.dests):  # a name tree's keys are sorted
            flat += [pikepdf.String(name), self.dests[name]]
        if "/Names" not in book.Root:
            book.Root.Names = pikepdf.Dictionary()
        book.Root.Names.Dests = book.make_indirect(pikepdf.Dictionary(Names=pikepdf.Array(flat)))
        if "/Outlines" in book.Root:
            del book.Root.Outlines
        with book.open_outline() as outline:
            outline.root.extend(self.outline)


def _copy(book: Any, value: Any) -> Any:
    """`value` of another part, as an object of the book (indirect objects copied once, references kept)."""
    import pikepdf

    if isinstance(value, pikepdf.Object) and value.is_indirect:
        return book.copy_foreign(value)
    if isinstance(value, pikepdf.Array):
        return pikepdf.Array([_copy(book, item) for item in value])
    if isinstance(value, pikepdf.Dictionary):
        return pikepdf.Dictionary({key: _copy(book, item) for key, item in value.items()})
    return value


def _resolve_links(book: Any, dests: set[str], outside: Callable[[str], str]) -> None:
    import pikepdf

    for page in book.pages:
        for annot in page.obj.get("/Annots", []):
            action = annot.get("/A")
            uri = str(action.get("/URI", "")) if action is not None else ""
            if not uri.startswith(DEST_SCHEME):
                continue
            name = unquote(uri[len(DEST_SCHEME):])
            del annot.A
            if name in dests:
                annot.Dest = pikepdf.String(name)
            elif url := outside(name):
                annot.A = pikepdf.Dictionary(Type=pikepdf.Name.Action, S=pikepdf.Name.URI, URI=pikepdf.String(url))


def _outline_items(pdf: Any, offset: int) -> list[Any]:
    """A part's outline entries, pointing at the same places once its pages start at page `offset` of the book."""
    import pikepdf
    from pikepdf import OutlineItem, PageLocation

    if "/Outlines" not in pdf.Root:
        return []
    index = _page_index(pdf)

    def convert(node: Any) -> OutlineItem | None:
        dest = node.get("/Dest")
        if dest is None and node.get("/A") is not None and node.A.get("/S") == pikepdf.Name.GoTo:
            dest = node.A.get("/D")
        if not isinstance(dest, pikepdf.Array) or not len(dest) or not dest[0].is_indirect:
            return None
        number = index.get(dest[0].objgen)
        if number is None:
            return None
        left = top = None
        if len(dest) >= 4 and dest[1] == pikepdf.Name.XYZ:
            left, top = (float(v) if isinstance(v, (int, float, Decimal)) else None for v in (dest[2], dest[3]))
        item = OutlineItem(str(node.get("/Title", "")), number + offset, PageLocation.XYZ, left=left, top=top)
        child = node.get("/First")
        while child is not None:
            converted = convert(child)
            if converted is not None:
                item.children.append(converted)
            child = child.get("/Next")
        return item

    collected = []
    node = pdf.Root.Outlines.get("/First")
    while node is not None:
        converted = convert(node)
        if converted is not None:
            collected.append(converted)
        node = node.get("/Next")
    return collected
