"""The cost of a page grows linearly with its unknown keys: the page is scanned once, not once per key.

314 unknown keys (a Quarto book's cross-references) once took 9.5 s of a 10.2 s build, each key re-scanning the
whole page. Work is counted here (characters scanned, keys read), never timed, so the test cannot flake.
"""
from __future__ import annotations

from unittest import mock

import markdown
from hypothesis import given, settings
from hypothesis import strategies as st
from litreview.bibliography.load import Bibliography
from litreview.citations import manager as manager_module
from litreview.citations.manager import CitationManager
from litreview.citations.markdown_ext import CitationExtension

FILLER = "Prose about lesions and doses, with `code @notakey` and <!-- @commented --> text. "


def _page(unknown: int, filler: int) -> str:
    return "# Page\n\n" + "\n\n".join(f"{FILLER * filler}See [@missing{i}x] and @sec-part{i}." for i in range(unknown))


def _fix(source: str) -> tuple[int, int, int]:
    """(characters masked, keys read, problems) while fixing one page."""
    html = markdown.Markdown(extensions=[CitationExtension()]).convert(source)
    manager = CitationManager(Bibliography({}, (), "empty"), cache_dir=None)
    manager.add_page("p", "docs/p.md", source)
    manager.collect("p", html, "Page", "p.html")
    manager.finalize(["p"])
    scanned: list[int] = []
    keys_read: list[int] = []
    real_mask, real_read = manager_module.mask_code_blocks, manager_module.read_key

    def mask(text: str) -> str:
        scanned.append(len(text))
        return real_mask(text)

    def read(text: str, pos: int) -> tuple[str, int] | None:
        keys_read.append(pos)
        return real_read(text, pos)

    with mock.patch.object(manager_module, "mask_code_blocks", mask), \
            mock.patch.object(manager_module, "read_key", read):
        _html, problems = manager.fix_page("p", html)
    return sum(scanned), len(keys_read), len(problems)


@settings(max_examples=25, deadline=None)
@given(unknown=st.integers(min_value=1, max_value=120), filler=st.integers(min_value=0, max_value=4))
def test_a_page_is_scanned_once_however_many_keys_are_unknown(unknown: int, filler: int) -> None:
    source = _page(unknown, filler)
    scanned, keys_read, problems = _fix(source)
    assert problems == 2 * unknown  # one message per unknown key (and per cross-reference without a target)
    assert scanned == len(source)  # one pass over the page, not one per key
    assert keys_read <= source.count("@")  # each `@` read at most once


def test_work_doubles_when_the_keys_double() -> None:
    small, large = _fix(_page(100, 1)), _fix(_page(200, 1))
    assert large[0] / small[0] < 2.1 and large[1] / small[1] <= 2.0
