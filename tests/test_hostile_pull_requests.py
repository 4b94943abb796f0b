"""A catalogue of hostile pull requests: each case is a tiny site that tries to make the build read, fetch or
publish something it must not. Every case asserts the warning with file:line, that the strict build fails and
the plain build completes, that neither site/ nor the PDF holds the secret, and that no connection was tried;
the whole catalogue runs on a cold and on a warm cache (the second build must warn exactly as the first).

The secret is a file of our own outside the project (never a system file).
"""
from __future__ import annotations

import base64
import os
import socket
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from helpers import BuildResult, bib_entry, build_site, write_site

SECRET = "LITREVIEW-SECRET-7f3a9c"
PNG = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8/5+hHgAHggJ/PchI7wAAAABJRU5ErkJggg=="
BIB = bib_entry("doe2020liver", "Liver embolization in practice", "Doe, Jane", "2020")
DATA = """\
title: Embolization
columns:
  - {id: source, label: Study, type: citation}
  - {id: n, label: Patients, type: integer}
  - {id: note, label: Note, type: text}
rows:
  - {id: doe, source: doe2020liver, n: 26, note: "-2+3+cmd|' /C calc'!A1"}
  - {id: cmd, source: doe2020liver, n: 27, note: "+SUM(A1) \\t=HYPERLINK(1)"}
"""


@dataclass(frozen=True)
class Case:
    name: str
    page: str                     # docs/index.md, `{secret}` replaced by the secret file's path
    expected: tuple[str, ...]     # exact litreview warnings, in order (`{secret}`, `{root}` replaced)
    links: tuple[tuple[str, str], ...] = ()  # (docs-relative link, "secret" | "secret-dir") made before the build
    files: tuple[tuple[str, str], ...] = ()  # (docs-relative file, content)
    fifo: str = ""                           # docs-relative FIFO made before the build


CASES = [
    Case("attachment-file-url", '# T\n\nSee <a rel="attachment" href="file://{secret}">the file</a>.\n',
         ("docs/index.md:3: PDF: refused to read 'file://{secret}': the PDF reads only files of the built site; "
          "link to a file inside docs_dir",)),
    Case("attachment-relative", '# T\n\nSee <a rel="attachment" href="../../secret.txt">it</a>.\n',
         ("docs/index.md:3: PDF: refused to read 'file://{secret}': the PDF reads only files of the built site; "
          "link to a file inside docs_dir",)),
    Case("image-over-http", '# T\n\n<img src="http://192.0.2.1/pixel.png" alt="x">\n',
         ("docs/index.md:3: PDF: refused to read 'http://192.0.2.1/pixel.png': the build does not use the network; "
          "put the file into the site's folder and link to it there (or set allow_network: true)",)),
    Case("css-import-of-a-local-file", '# T\n\n<style>@import "file://{secret}";</style>\n\nText.\n',
         ("docs/index.md:3: PDF: refused to read 'file://{secret}': the PDF reads only files of the built site; "
          "link to a file inside docs_dir",)),
    Case("object-and-iframe", '# T\n\n<object data="file://{secret}"></object>\n\n<iframe src="file://{secret}"></iframe>\n',
         ("docs/index.md:3: <object> is not allowed in a chapter (it would run or load something on readers' "
          "machines); it was removed",
          "docs/index.md:5: <iframe> is not allowed in a chapter (it would run or load something on readers' "
          "machines); it was removed")),
    Case("link-rel-import", '# T\n\n<link rel="import" href="file://{secret}">\n\nText.\n',
         ("docs/index.md:3: <link> is not allowed in a chapter (it would run or load something on readers' "
          "machines); it was removed",)),
    Case("javascript-link", "# T\n\n[click me](javascript:alert(document.cookie)) and [ok](https://example.org).\n",
         ("docs/index.md:3: href= holds a javascript: URL, which is not published as a link; use an https: or "
          "relative link",)),
    Case("data-and-vbscript-links", '# T\n\n<a href="data:text/html;base64,PHNjcmlwdD4=">a</a>\n\n'
         '<a href="VBScript:msgbox(1)">b</a>\n',
         ("docs/index.md:3: href= holds a data: URL, which is not published as a link; use an https: or relative link",
          "docs/index.md:5: href= holds a vbscript: URL, which is not published as a link; use an https: or "
          "relative link")),
    Case("script-and-handler", '# T\n\n<script>alert(1)</script>\n\n<p onmouseover="alert(2)">p</p>\n',
         ("docs/index.md:3: <script> is not allowed in a chapter (it would run or load something on readers' "
          "machines); it was removed",
          "docs/index.md:5: the event handler attribute onmouseover= runs a script; it was removed")),
    Case("slash-separated-handler", '# T\n\n<p>A <svg/onload=alert(1)></svg> and <img/alt="a"/onerror=alert(2)></p>\n',
         ("docs/index.md:3: the event handler attribute onload= runs a script; it was removed",
          "docs/index.md:3: the event handler attribute onerror= runs a script; it was removed")),
    Case("symlinked-data-file", "# T\n\nText.\n", ("docs/data/passwd.yaml: the file is a link to a place outside the "
                                                   "project; refused: copy the data into docs/data/",),
         links=(("data/passwd.yaml", "secret"),)),
    Case("symlinked-download", "# T\n\n[users](users.csv)\n",
         ("docs/users.csv: a link to {secret}, outside docs/: not read and not published; copy the file into the "
          "project instead",),
         links=(("users.csv", "secret"),)),
    Case("symlinked-folder", "# T\n\nText.\n",
         ("docs/assets/stolen/secret.txt: a link to {secret_dir}/secret.txt, outside docs/: not read and not published; copy the "
          "file into the project instead",),
         links=(("assets/stolen", "secret-dir"),)),
    Case("svg-with-script", "# T\n\nText.\n",
         ("docs/logo.svg: line 2: the SVG contains '<script', which can run a script when the image is opened; "
          "it is not published: remove the script or export the image again",),
         files=(("logo.svg", '<svg xmlns="http://www.w3.org/2000/svg">\n<script>alert(1)</script></svg>\n'),)),
    Case("data-file-is-a-fifo", "# T\n\nText.\n",
         ("docs/a-fifo.yaml: not a regular file (a FIFO, a device or a socket): not read and not published; "
          "remove it",),
         fifo="a-fifo.yaml"),
]


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[object]]:
    """Every attempt to open a connection is recorded and fails, as on a machine without network."""
    attempts: list[object] = []
    real_connect = socket.socket.connect

    def connect(self: socket.socket, address: object) -> None:
        if self.family == socket.AF_UNIX:
            return real_connect(self, address)  # type: ignore[arg-type]
        attempts.append(address)
        raise OSError("network is unavailable in this test")

    def getaddrinfo(*args: object, **kwargs: object) -> list[object]:
        attempts.append(args[0])
        raise socket.gaierror("network is unavailable in this test")

    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    yield attempts


def _make(tmp_path: Path, case: Case) -> tuple[Path, Path]:
    secret = tmp_path / "secret.txt"
    secret.write_text(f"{SECRET}\n", encoding="utf-8")
    secret_dir = tmp_path / "secret-dir"
    secret_dir.mkdir()
    (secret_dir / "secret.txt").write_text(f"{SECRET}\n", encoding="utf-8")
    root = tmp_path / "project"
    root.mkdir()
    write_site(root, {"index.md": case.page.replace("{secret}", str(secret))}, BIB, data={"tace.yaml": DATA},
               options={"pdf": {"enabled": True}, "cache_dir": ".cache/litreview"})
    docs = root / "docs"
    for rel, kind in case.links:
        (docs / rel).parent.mkdir(parents=True, exist_ok=True)
        (docs / rel).symlink_to(secret if kind == "secret" else secret_dir)
    for rel, content in case.files:
        (docs / rel).write_text(content, encoding="utf-8")
    if case.fifo:
        os.mkfifo(docs / case.fifo)
    return root, secret


def _no_secret_anywhere(site: Path) -> None:
    for path in site.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            assert SECRET.encode() not in data, f"{path} holds the secret"
            if path.suffix == ".pdf":
                import zlib

                from pypdf import PdfReader

                reader = PdfReader(str(path))
                assert not reader.attachments, f"{path} embeds {list(reader.attachments)}"
                for page in reader.pages:
                    assert SECRET not in (page.extract_text() or "")
                assert b"/EmbeddedFile" not in data
                del zlib


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_hostile_pull_request(tmp_path: Path, case: Case, no_network: list[object]) -> None:
    root, secret = _make(tmp_path, case)
    expected = [w.replace("{secret_dir}", str(secret.parent.resolve() / "secret-dir"))
                .replace("{secret}", str(secret.resolve() if "outside" in w else secret)) for w in case.expected]
    results: list[BuildResult] = []
    for attempt in ("cold", "warm"):
        plain = build_site(root, site_dir=root / f"site-{attempt}")
        assert plain.error is None, plain.error
        assert plain.litreview_warnings == expected, f"{attempt} cache"
        assert (plain.site / "index.html").is_file()
        assert (plain.site / "review.pdf").is_file()
        _no_secret_anywhere(plain.site)
        results.append(plain)
        strict = build_site(root, strict=True, site_dir=root / f"strict-{attempt}")
        assert strict.error is not None and "strict mode" in strict.error, f"{attempt}: {strict.error}"
        _no_secret_anywhere(root / f"strict-{attempt}")
    assert no_network == [], f"the build tried to connect: {no_network}"


def test_csv_cells_a_spreadsheet_would_evaluate_are_neutralised(tmp_path: Path) -> None:
    write_site(tmp_path, {"index.md": "# T\n\n<!-- evidence-table tace -->\n"}, BIB, data={"tace.yaml": DATA})
    result = build_site(tmp_path)
    csv_files = list(result.site.rglob("*.csv"))
    assert len(csv_files) == 1
    text = csv_files[0].read_text(encoding="utf-8")
    assert text.splitlines() == [
        "id,source,n,note",
        "doe,doe2020liver,26,'-2+3+cmd|' /C calc'!A1",
        "cmd,doe2020liver,27,'+SUM(A1) \t=HYPERLINK(1)",
    ]


def test_a_safe_page_is_left_alone(tmp_path: Path, no_network: list[object]) -> None:
    page = ('# T\n\n[site](https://example.org) [rel](other.md) ![pic](pic.png)\n\n'
            f'<img src="data:image/png;base64,{PNG}" alt="inline"> <a href="#t" title="t">x</a>\n')
    write_site(tmp_path, {"index.md": page, "other.md": "# O\n"}, BIB,
               options={"pdf": {"enabled": True}, "cache_dir": ""})
    (tmp_path / "docs" / "pic.png").write_bytes(base64.b64decode(PNG))
    result = build_site(tmp_path, strict=True)
    assert result.error is None, result.warnings
    html = result.article()
    assert '<a href="https://example.org">site</a>' in html and '<a href="other.html">rel</a>' in html
    assert f'src="data:image/png;base64,{PNG}"' in html
    assert no_network == []


def test_links_to_site_files_in_the_pdf_point_at_the_published_site(tmp_path: Path) -> None:
    """No link in the PDF names the builder's folder: with site_url they go to the site, without it they are text."""
    from pypdf import PdfReader

    for site_url in ("https://review.example.org/", None):
        root = tmp_path / ("with" if site_url else "without")
        root.mkdir()
        write_site(root, {"index.md": "# T\n\n[the data](data/tace.yaml) and [@doe2020liver].\n"}, BIB,
                   data={"tace.yaml": DATA}, options={"pdf": {"enabled": True}, "cache_dir": ""},
                   extra={"site_url": site_url} if site_url else None)
        result = build_site(root)
        reader = PdfReader(str(result.site / "review.pdf"))
        uris = [a.get_object().get("/A", {}).get("/URI") for p in reader.pages for a in p.get("/Annots", []) or []]
        uris = [str(u) for u in uris if u]
        assert not [u for u in uris if u.startswith("file:")], uris
        if site_url:
            assert "https://review.example.org/data/tace.yaml" in uris
        assert str(root) not in (result.site / "review.pdf").read_bytes().decode("latin-1")


@pytest.mark.parametrize("case", [c for c in CASES if not any("PDF:" in w for w in c.expected)],
                         ids=[c.name for c in CASES if not any("PDF:" in w for w in c.expected)])
def test_check_predicts_the_refusals(tmp_path: Path, case: Case) -> None:
    """`litreview check` reports, as errors, each refusal the build makes (those of the PDF renderer excepted)."""
    from litreview.lint import check_project

    root, secret = _make(tmp_path, case)
    found = {(f.file, f.line) for f in check_project(root / "mkdocs.yml") if f.severity == "error"}
    for warning in case.expected:
        file, _, rest = warning.partition(": ")
        path, _, line = file.partition(":")
        assert (path, int(line) if line else None) in found, (warning, sorted(found))
