"""Join separately typeset PDFs into one tagged PDF (pypdf, imported here only): pages, structure, links, outline.

Each part is a tagged PDF that WeasyPrint wrote on its own (the cover and contents, one chapter, a chapter's
references). Joining keeps what a reader and a screen reader need across parts: the named destinations of
every part (so `lr-dest:NAME` links written while typesetting one part lead into another), one outline, one
structure tree (each later part becomes a `Part` of the first part's `Document`) and page numbers stamped as
pagination artifacts, so a part is typeset without knowing on which page of the book it starts.
"""
from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

DEST_SCHEME = "lr-dest:"  # a link to a place in another part; resolved when the parts are joined


@dataclass(frozen=True)
class PartInfo:
    """What the layout of the book needs to know of a typeset part."""

    pages: int
    dests: dict[str, int]  # named destination -> page index within the part


def part_info(pdf: bytes) -> PartInfo:
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(pdf))
    index = {page.indirect_reference.idnum: i for i, page in enumerate(reader.pages)
             if page.indirect_reference is not None}
    dests = {}
    for name, array in _dest_items(reader):
        target = array[0] if len(array) else None
        number = getattr(target, "idnum", None)
        if number in index:
            dests[name] = index[number]
    return PartInfo(len(reader.pages), dests)


def _dest_items(reader: Any) -> list[tuple[str, Any]]:
    """(name, destination array) of the catalog's /Dests name tree (flat or with /Kids)."""
    names = reader.root_object.get("/Names")
    tree = names.get_object().get("/Dests") if names is not None else None
    found: list[tuple[str, Any]] = []

    def walk(node: Any) -> None:
        node = node.get_object()
        flat = node.get("/Names")
        if flat is not None:
            flat = flat.get_object()
            for i in range(0, len(flat) - 1, 2):
                value = flat[i + 1].get_object()
                if isinstance(value, dict):
                    value = value.get("/D")
                found.append((str(flat[i]), value.get_object() if value is not None else []))
        for kid in node.get("/Kids", []) or []:
            walk(kid)

    if tree is not None:
        walk(tree)
    return found


def _parent_tree_items(reader: Any) -> list[tuple[int, Any]]:
    root = reader.root_object.get("/StructTreeRoot")
    if root is None:
        return []
    found: list[tuple[int, Any]] = []

    def walk(node: Any) -> None:
        node = node.get_object()
        nums = node.get("/Nums")
        if nums is not None:
            nums = nums.get_object()
            found.extend((int(nums[i]), nums[i + 1]) for i in range(0, len(nums) - 1, 2))
        for kid in node.get("/Kids", []) or []:
            walk(kid)

    tree = root.get_object().get("/ParentTree")
    if tree is not None:
        walk(tree)
    return found


def join(parts: Sequence[bytes], stamp: bytes | None = None, stamp_from: int = 0,
         outside: Callable[[str], str] = lambda name: "") -> bytes:
    """One PDF of `parts` in order, its document information, XMP metadata, language and file ID from the first.

    `stamp`: a PDF whose page i is drawn over page `stamp_from + i` as a pagination artifact (page numbers).
    `outside`: the URL for an `lr-dest:` name that no part holds (empty: the link goes, its text stays).
    """
    from pypdf import PdfReader, PdfWriter
    from pypdf.generic import ArrayObject, DictionaryObject, NameObject, NumberObject, TextStringObject

    readers = [PdfReader(io.BytesIO(part)) for part in parts]
    writer = PdfWriter(clone_from=readers[0])
    offsets = [0]
    next_key = max((k for k, _ in _parent_tree_items(readers[0])), default=-1) + 1
    page_offsets = [0]
    for reader in readers[1:]:
        page_offsets.append(len(writer.pages))
        for page in reader.pages:
            old = page.get("/StructParents")
            new = writer.add_page(page)
            if old is not None:
                new[NameObject("/StructParents")] = NumberObject(int(old) + next_key)
            for annot in new.get("/Annots", []) or []:
                annot = annot.get_object()
                if "/StructParent" in annot:
                    annot[NameObject("/StructParent")] = NumberObject(int(annot["/StructParent"]) + next_key)
        offsets.append(next_key)
        next_key += max((k for k, _ in _parent_tree_items(reader)), default=-1) + 1

    _join_structure(writer, readers, offsets, next_key)
    dests = _join_dests(writer, readers)
    _resolve_links(writer, dests, outside)
    _join_outline(writer, readers, page_offsets)
    if stamp is not None:
        _stamp(writer, PdfReader(io.BytesIO(stamp)), stamp_from)
    del ArrayObject, DictionaryObject, TextStringObject
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _join_structure(writer: Any, readers: Sequence[Any], offsets: Sequence[int], next_key: int) -> None:
    from pypdf.generic import ArrayObject, DictionaryObject, NameObject, NumberObject

    root = writer.root_object.get("/StructTreeRoot")
    if root is None:
        return
    root = root.get_object()
    kids = root.get("/K")
    document = kids.get_object()[0].get_object() if isinstance(kids.get_object(), list) else kids.get_object()
    if not isinstance(document.get("/K"), list):
        document[NameObject("/K")] = ArrayObject([document["/K"]] if "/K" in document else [])
    nums = ArrayObject()
    for (key, value) in _parent_tree_items(readers[0]):
        nums += [NumberObject(key), value.clone(writer)]
    for reader, offset in zip(readers[1:], offsets[1:], strict=True):
        source = reader.root_object.get("/StructTreeRoot")
        if source is None:
            continue
        for element in _as_list(source.get_object().get("/K")):
            element = element.get_object()
            element.pop("/P", None)  # its parent is the part's own root: the clone must not drag it along
            part = element.clone(writer)
            part_dict = part.get_object()
            part_dict[NameObject("/S")] = NameObject("/Part")
            part_dict[NameObject("/P")] = document.indirect_reference
            document["/K"].append(part.indirect_reference if hasattr(part, "indirect_reference")
                                  and part.indirect_reference is not None else part)
        for key, value in _parent_tree_items(reader):
            nums += [NumberObject(key + offset), value.clone(writer)]
        role_map = source.get_object().get("/RoleMap")
        if role_map is not None:
            merged = root.setdefault(NameObject("/RoleMap"), DictionaryObject()).get_object()
            for name, role in role_map.get_object().items():
                merged.setdefault(NameObject(name), role)
    root[NameObject("/ParentTree")] = writer._add_object(DictionaryObject({NameObject("/Nums"): nums}))
    root[NameObject("/ParentTreeNextKey")] = NumberObject(next_key)


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    value = value.get_object() if hasattr(value, "get_object") else value
    return list(value) if isinstance(value, list) else [value]


def _join_dests(writer: Any, readers: Sequence[Any]) -> set[str]:
    from pypdf.generic import ArrayObject, DictionaryObject, NameObject, TextStringObject

    merged: dict[str, Any] = {}
    for reader in readers:
        for name, array in _dest_items(reader):
            merged.setdefault(name, array.clone(writer) if hasattr(array, "clone") else array)
    flat = ArrayObject()
    for name in sorted(merged):  # a name tree's keys are sorted
        flat += [TextStringObject(name), merged[name]]
    names = writer.root_object.get("/Names")
    if names is None:
        names = DictionaryObject()
        writer.root_object[NameObject("/Names")] = names
    names.get_object()[NameObject("/Dests")] = writer._add_object(DictionaryObject({NameObject("/Names"): flat}))
    return set(merged)


def _resolve_links(writer: Any, dests: set[str], outside: Callable[[str], str]) -> None:
    from pypdf.generic import DictionaryObject, NameObject, TextStringObject

    for page in writer.pages:
        for annot in page.get("/Annots", []) or []:
            annot = annot.get_object()
            action = annot.get("/A")
            uri = str(action.get_object().get("/URI", "")) if action is not None else ""
            if not uri.startswith(DEST_SCHEME):
                continue
            name = unquote(uri[len(DEST_SCHEME):])
            del annot["/A"]
            if name in dests:
                annot[NameObject("/Dest")] = TextStringObject(name)
            elif url := outside(name):
                annot[NameObject("/A")] = DictionaryObject({
                    NameObject("/Type"): NameObject("/Action"), NameObject("/S"): NameObject("/URI"),
                    NameObject("/URI"): TextStringObject(url)})


def _join_outline(writer: Any, readers: Sequence[Any], page_offsets: Sequence[int]) -> None:
    from pypdf.generic import Fit

    if "/Outlines" in writer.root_object:
        del writer.root_object["/Outlines"]

    def add(items: Any, reader: Any, offset: int, parent: Any) -> None:
        last = None
        for item in items:
            if isinstance(item, list):
                if last is not None:
                    add(item, reader, offset, last)
                continue
            number = reader.get_destination_page_number(item)
            if number is None or number < 0:
                continue
            left, top = item.get("/Left"), item.get("/Top")
            fit = Fit.xyz(left=float(left) if left is not None else None, top=float(top) if top is not None else None)
            last = writer.add_outline_item(title=str(item.title), page_number=number + offset, parent=parent, fit=fit)

    for reader, offset in zip(readers, page_offsets, strict=True):
        add(reader.outline, reader, offset, None)


def _stamp(writer: Any, stamp: Any, start: int) -> None:
    """Draw page i of `stamp` over page start+i, as a form XObject marked as a pagination artifact."""
    from pypdf.generic import ArrayObject, DecodedStreamObject, DictionaryObject, FloatObject, NameObject, NumberObject

    resources_clone: dict[int, Any] = {}
    for i, source in enumerate(stamp.pages):
        if start + i >= len(writer.pages):
            break
        page = writer.pages[start + i]
        form = DecodedStreamObject()
        form.set_data(source.get_contents().get_data() if source.get_contents() is not None else b"")
        res = source.get("/Resources")
        key = id(res.get_object()) if res is not None else 0
        if key not in resources_clone:
            resources_clone[key] = res.clone(writer) if res is not None else DictionaryObject()
        box = source.mediabox
        # A landscape page (a wide table) under a portrait stamp: the page number stays centred at the bottom.
        shift = (float(page.mediabox.width) - float(box.width)) / 2
        form[NameObject("/Matrix")] = ArrayObject([NumberObject(1), NumberObject(0), NumberObject(0),
                                                   NumberObject(1), FloatObject(round(shift, 3)), NumberObject(0)])
        form.update({NameObject("/Type"): NameObject("/XObject"), NameObject("/Subtype"): NameObject("/Form"),
                     NameObject("/BBox"): ArrayObject([NumberObject(int(v)) if float(v).is_integer()
                                                       else v for v in (box.left, box.bottom, box.right, box.top)]),
                     NameObject("/Resources"): resources_clone[key]})
        form_ref = writer._add_object(form)
        resources = page.get("/Resources")
        own = DictionaryObject(resources.get_object() if resources is not None else {})
        xobjects = DictionaryObject(own.get("/XObject", DictionaryObject()).get_object())
        xobjects[NameObject("/LrStamp")] = form_ref
        own[NameObject("/XObject")] = xobjects
        page[NameObject("/Resources")] = own
        before = DecodedStreamObject()
        before.set_data(b"q\n")
        after = DecodedStreamObject()
        after.set_data(b"\nQ\n/Artifact <</Type /Pagination /Subtype /Footer>> BDC\nq /LrStamp Do Q\nEMC\n")
        contents = page.get("/Contents")
        old = list(contents.get_object()) if isinstance(contents.get_object(), list) else [contents]
        page[NameObject("/Contents")] = ArrayObject([writer._add_object(before), *old, writer._add_object(after)])
