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

import io
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from urllib.parse import unquote

DEST_SCHEME = "lr-dest:"  # a link to a place in another part; resolved when the parts are joined


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


def part_info(pdf: bytes) -> PartInfo:
    with _open(pdf) as part:
        index = _page_index(part)
        dests = {}
        for name, array in _dest_items(part):
            target = array[0] if len(array) else None
            number = index.get(target.objgen) if target is not None and target.is_indirect else None
            if number is not None:
                dests[name] = number
        return PartInfo(len(part.pages), dests)


_PLAIN_SPAN_KEYS = {"/Type", "/S", "/P", "/Pg", "/K"}


def compact_structure(pdf: bytes) -> bytes:
    """The same tagged PDF with about half its objects: each `Span` structure element that carries nothing of its
    own (no attributes, no alternate text, no language) is folded into its parent, which takes over its marked
    content and its child elements, and object references (`OBJR`) become direct objects.

    WeasyPrint writes a `Span` element for every run of text on a line, half of a part's objects; a screen reader
    learns nothing from them (the parent paragraph, heading or link holds the same content). Fewer objects make
    joining the book faster and smaller in memory (qpdf holds every object of every part while joining).
    """
    import pikepdf

    with _open(pdf) as doc:
        root = _get(doc.Root, "/StructTreeRoot")
        if root is None:
            return pdf
        moved: dict[tuple[tuple[int, int], int], Any] = {}  # (page, MCID) -> the element now holding it

        def is_element(item: Any) -> bool:
            return isinstance(item, pikepdf.Dictionary) and "/S" in item and item.get("/Type") not in (
                pikepdf.Name.MCR, pikepdf.Name.OBJR)

        def kids_of(item: Any) -> list[Any]:
            kids = item.get("/K")
            return list(kids) if isinstance(kids, pikepdf.Array) else [] if kids is None else [kids]

        def plain_span(item: Any) -> bool:
            if item.get("/S") != pikepdf.Name.Span or not set(item.keys()) <= _PLAIN_SPAN_KEYS:
                return False
            kids = kids_of(item)
            return item.is_indirect and all(
                (isinstance(k, int) and item.get("/Pg") is not None) or is_element(k)
                or (isinstance(k, pikepdf.Dictionary) and k.get("/Type") == pikepdf.Name.MCR) for k in kids)

        def fold(element: Any) -> None:
            page = element.get("/Pg")
            new: list[Any] = []
            changed = False
            for kid in kids_of(element):
                if is_element(kid):
                    fold(kid)
                    if plain_span(kid):
                        span_page = kid.get("/Pg")
                        for item in kids_of(kid):
                            if isinstance(item, int):
                                same = page is not None and page.objgen == span_page.objgen
                                new.append(item if same else pikepdf.Dictionary(
                                    Type=pikepdf.Name.MCR, MCID=item, Pg=span_page))
                                moved[(span_page.objgen, item)] = element
                            elif is_element(item):
                                item.P = element
                                new.append(item)
                            else:
                                new.append(item)
                                moved[(item.get("/Pg", span_page).objgen, int(item.MCID))] = element
                        changed = True
                        continue
                elif (isinstance(kid, pikepdf.Dictionary) and kid.is_indirect
                      and kid.get("/Type") == pikepdf.Name.OBJR):
                    kid = pikepdf.Dictionary(dict(kid.items()))
                    changed = True
                new.append(kid)
            if changed:
                element.K = pikepdf.Array(new)

        for top in kids_of(root):
            if is_element(top):
                fold(top)
        pages = {int(p.obj.StructParents): p.obj.objgen for p in doc.pages if "/StructParents" in p.obj}
        for key, value in _number_tree(_get(root, "/ParentTree")):
            if key in pages and isinstance(value, pikepdf.Array):
                for mcid in range(len(value)):
                    holder = moved.get((pages[key], mcid))
                    if holder is not None:
                        value[mcid] = holder
        out = io.BytesIO()
        doc.save(out, deterministic_id=True, object_stream_mode=pikepdf.ObjectStreamMode.generate,
                 compress_streams=True, fix_metadata_version=False)
        return out.getvalue()


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


def join(parts: Sequence[bytes], stamp: Sequence[bytes] = (), stamp_from: int = 0,
         outside: Callable[[str], str] = _nowhere, body_from: int = 0, pieces: bool = False) -> bytes:
    """One PDF of `parts` in order, its document information, XMP metadata and language from the first.

    `stamp`: PDFs whose pages, in order, are drawn over the pages from `stamp_from` on as pagination artifacts
    (page numbers, typeset in runs of pages).
    `body_from`: where the numbered pages start; the pages before it (cover, contents) are labelled i, ii...
    in the reader's page box and page `body_from` is labelled 1, as its printed number says.
    `outside`: the URL for an `lr-dest:` name that no part holds (empty: the link goes, its text stays).
    `pieces`: the parts are pieces of one document (a long list typeset in pieces): the structure of a later
    part continues the first part's `Document` rather than becoming a `Part` of it.
    The file ID is derived from the joined content, so the same parts always give the same bytes.
    """
    import pikepdf

    book = _open(parts[0])
    others = [_open(part) for part in parts[1:]]
    try:
        next_key = max((k for k, _ in _parent_tree_items(book)), default=-1) + 1
        offsets, page_offsets = [0], [0]
        for part in others:
            page_offsets.append(len(book.pages))
            for page in part.pages:
                book.pages.append(page)
                new = book.pages[-1].obj
                if "/StructParents" in new:
                    new.StructParents = int(new.StructParents) + next_key
                for annot in new.get("/Annots", []):
                    if "/StructParent" in annot:
                        annot.StructParent = int(annot.StructParent) + next_key
            offsets.append(next_key)
            next_key += max((k for k, _ in _parent_tree_items(part)), default=-1) + 1

        _join_structure(book, others, offsets[1:], next_key, pieces)
        dests = _join_dests(book, others)
        _resolve_links(book, dests, outside)
        _join_outline(book, [book, *others], page_offsets)
        for run in stamp:
            with _open(run) as numbers:
                _stamp(book, numbers, stamp_from)
                stamp_from += len(numbers.pages)
        if body_from:
            book.Root.PageLabels = pikepdf.Dictionary(Nums=pikepdf.Array([
                0, pikepdf.Dictionary(S=pikepdf.Name.r), body_from, pikepdf.Dictionary(S=pikepdf.Name.D)]))
        out = io.BytesIO()
        book.save(out, deterministic_id=True, object_stream_mode=pikepdf.ObjectStreamMode.generate,
                  compress_streams=True, fix_metadata_version=False)
        return out.getvalue()
    finally:
        for pdf in [book, *others]:
            pdf.close()


def _join_structure(book: Any, others: Sequence[Any], offsets: Sequence[int], next_key: int,
                    pieces: bool = False) -> None:
    import pikepdf

    root = _get(book.Root, "/StructTreeRoot")
    if root is None:
        return
    kids = root.get("/K")
    document = kids[0] if isinstance(kids, pikepdf.Array) else kids
    if not isinstance(document.get("/K"), pikepdf.Array):
        document.K = pikepdf.Array([document.K] if "/K" in document else [])
    nums: list[Any] = []  # a Python list, turned into one Array at the end (growing an Array is slow)
    for key, value in _parent_tree_items(book):
        nums += [key, value]
    for part, offset in zip(others, offsets, strict=True):
        source = _get(part.Root, "/StructTreeRoot")
        if source is None:
            continue
        elements = source.get("/K")
        for element in (list(elements) if isinstance(elements, pikepdf.Array) else
                         [elements] if elements is not None else []):
            kids = element.get("/K")
            kids = list(kids) if isinstance(kids, pikepdf.Array) else [kids] if kids is not None else []
            if pieces and all(isinstance(k, pikepdf.Dictionary) and "/S" in k for k in kids):
                moved, wrap = kids, False  # the part's Document continues the first one's
            else:
                moved, wrap = [element], True
            for item in moved:
                if "/P" in item:
                    del item.P  # its parent is the part's own: the copy must not drag it along
                copy = book.copy_foreign(item)
                if wrap:
                    copy.S = pikepdf.Name.Part
                copy.P = document
                document.K.append(copy)
        for key, value in _parent_tree_items(part):
            nums += [key + offset, _copy(book, value)]
        role_map = source.get("/RoleMap")
        if role_map is not None:
            if "/RoleMap" not in root:
                root.RoleMap = pikepdf.Dictionary()
            for name, role in role_map.items():
                if name not in root.RoleMap:
                    root.RoleMap[name] = _copy(book, role)
    root.ParentTree = book.make_indirect(pikepdf.Dictionary(Nums=pikepdf.Array(nums)))
    root.ParentTreeNextKey = next_key


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


def _join_dests(book: Any, others: Sequence[Any]) -> set[str]:
    import pikepdf

    merged: dict[str, Any] = {}
    for pdf in [book, *others]:
        for name, array in _dest_items(pdf):
            if name not in merged:
                merged[name] = array if pdf is book else _copy(book, array)
    flat: list[Any] = []
    for name in sorted(merged):  # a name tree's keys are sorted
        flat += [pikepdf.String(name), merged[name]]
    if "/Names" not in book.Root:
        book.Root.Names = pikepdf.Dictionary()
    book.Root.Names.Dests = book.make_indirect(pikepdf.Dictionary(Names=pikepdf.Array(flat)))
    return set(merged)


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


def _join_outline(book: Any, pdfs: Sequence[Any], page_offsets: Sequence[int]) -> None:
    """One outline: every part's entries, pointing at the same places in the joined pages."""
    import pikepdf
    from pikepdf import OutlineItem, PageLocation

    collected: list[OutlineItem] = []
    for pdf, offset in zip(pdfs, page_offsets, strict=True):
        index = _page_index(pdf)
        if "/Outlines" not in pdf.Root:
            continue

        def convert(node: Any, index: dict[tuple[int, int], int] = index, offset: int = offset) -> OutlineItem | None:
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

        node = pdf.Root.Outlines.get("/First")
        while node is not None:
            converted = convert(node)
            if converted is not None:
                collected.append(converted)
            node = node.get("/Next")
    if "/Outlines" in book.Root:
        del book.Root.Outlines
    with book.open_outline() as outline:
        outline.root.extend(collected)


def _stamp(book: Any, numbers: Any, start: int) -> None:
    """Draw page i of `numbers` over page start+i, as a form XObject marked as a pagination artifact."""
    import pikepdf

    for i, source in enumerate(numbers.pages):
        if start + i >= len(book.pages):
            break
        page = book.pages[start + i]
        form = book.copy_foreign(source.as_form_xobject())
        box = source.mediabox
        # A landscape page (a wide table) under a portrait stamp: the page number stays centred at the bottom.
        shift = (float(page.mediabox[2]) - float(page.mediabox[0])) - (float(box[2]) - float(box[0]))
        form.Matrix = pikepdf.Array([1, 0, 0, 1, Decimal(str(round(shift / 2, 3))), 0])
        resources = pikepdf.Dictionary(dict(page.obj.get("/Resources", pikepdf.Dictionary()).items()))
        xobjects = pikepdf.Dictionary(dict(resources.get("/XObject", pikepdf.Dictionary()).items()))
        xobjects.LrStamp = form
        resources.XObject = xobjects
        page.obj.Resources = resources
        page.contents_add(pikepdf.Stream(book, b"q\n"), prepend=True)
        page.contents_add(pikepdf.Stream(book, b"\nQ\n/Artifact <</Type /Pagination /Subtype /Footer>> BDC\n"
                                               b"q /LrStamp Do Q\nEMC\n"))
