"""The options of the `litreview` plugin in mkdocs.yml."""
from __future__ import annotations

from mkdocs.config import config_options as c
from mkdocs.config.base import Config


class PdfConfig(Config):
    enabled = c.Type(bool, default=True)
    """Write the whole review as one PDF after the site is built (WeasyPrint)."""
    serve = c.Type(bool, default=False)
    """Also write it under `mkdocs serve`: off by default, since a changed page means typesetting the whole
    review again (seconds) on every save."""
    filename = c.Type(str, default="review.pdf")
    """File name of the PDF inside site_dir."""
    page_size = c.Choice(("A4", "Letter"), default="A4")
    """Paper size of the PDF."""
    title = c.Optional(c.Type(str))
    """Cover title; defaults to site_name."""
    subtitle = c.Optional(c.Type(str))
    """Cover subtitle; defaults to site_description."""
    authors = c.Type(str, default="")
    """Authors shown on the cover and written into the PDF metadata."""
    cover_text = c.Type(str, default="")
    """A paragraph on the cover (e.g. how to cite)."""
    keywords = c.Type(list, default=[])
    """PDF metadata keywords."""
    extra_css = c.Type(list, default=[])
    """Extra print stylesheets (relative to mkdocs.yml) applied after the built-in one."""
    chapters = c.Type(bool, default=True)
    """Also write each chapter as its own PDF, with its own references, and link it from the chapter's page.
    The chapters are typeset once for both, so this costs little."""
    chapters_folder = c.Type(str, default="pdf")
    """Site folder of the chapter PDFs (`pdf/<chapter>.pdf`)."""
    workers = c.Type(int, default=0)
    """Processes that typeset chapters at the same time on a cold build; 0: one per CPU core."""
    tagged = c.Type(bool, default=True)
    """A tagged PDF (PDF/UA-1): structure tree, document language, headings, alt text of figures and charts,
    table headers, for screen readers and reflow."""


class CheckConfig(Config):
    numbers_need_citations = c.Type(bool, default=False)
    """Editorial rule of `litreview check`: a prose sentence that holds a number must also cite a source (or
    quote a table value). Off by default; evidence reviews turn it on."""
    number_allowlist = c.Type(str, default="")
    """File (relative to mkdocs.yml) of regular expressions for numbers that are names, not findings
    ("90Y", "phase 3"), one per line with a `# reason`. Only read when numbers_need_citations is on."""


class LivingConfig(Config):
    version = c.Type(str, default="")
    """The review's version (e.g. "v1.2"); by default the `v*` git tag of HEAD (`git describe`), else none."""
    doi = c.Type(str, default="")
    """Concept DOI of the review (all versions), e.g. a Zenodo concept DOI; shown and exported when set."""
    version_doi = c.Type(str, default="")
    """DOI of this version (a Zenodo release gives one per tag); shown and exported when set."""
    review_interval_months = c.Optional(c.Type(int))
    """Default review interval of chapters whose front matter sets no `review_interval_months` or `next_review`."""
    overdue_is_error = c.Type(bool, default=False)
    """`litreview check` reports an overdue chapter review as an error instead of a warning."""
    currency_page = c.Type(str, default="index.md")
    """Page (relative to docs_dir) that lists every chapter's currency dates unless a page has
    `<!-- litreview:currency -->`; an empty string lists them nowhere."""
    whats_new = c.Type(str, default="whats-new.md")
    """The generated "What's new" page (add it to nav to list it); an empty string turns it and the feed off."""
    feed = c.Type(str, default="feed.xml")
    """Atom feed of the same versions, in site_dir."""
    history_limit = c.Type(int, default=10)
    """How many versions (tags `v*`, else content commits) What's new and the feed show."""


class LitReviewConfig(Config):
    enabled = c.Type(bool, default=True)
    """Turn the whole plugin off (for example `enabled: !ENV [LITREVIEW, true]`), as Material's plugins allow."""
    bib_dir = c.Type(str, default="bib")
    """Folder (relative to mkdocs.yml) whose `*.bib` files are all read, in name order."""
    bib_files = c.Type(list, default=[])
    """Explicit BibTeX files (relative to mkdocs.yml) instead of every file in `bib_dir`."""
    style = c.Choice(("vancouver", "plain", "unsrt", "alpha"), default="vancouver")
    """How entries are formatted: our Vancouver/ICMJE style, or one of pybtex's own styles."""
    citation_style = c.Choice(("numeric", "author-year"), default="numeric")
    """In-text labels: numbers `[1–3]` or author-year `(Strosberg et al., 2017)`."""
    required_fields = c.Type(list, default=[])
    """Fields every entry must have; a missing one is a warning naming file and line. None by default: like
    pandoc, a web page without author or a dataset without year is rendered as it is."""
    warn_uncited = c.Type(bool, default=False)
    """Warn about every bibliography entry that no page cites."""
    references_heading = c.Type(str, default="References")
    """Heading of the reference list appended to pages that cite and have no `<!-- references -->`."""
    pandoc_html_blocks = c.Type(bool, default=False)
    """Read Markdown inside block-level HTML elements (`<details>`, `<div>`...) as pandoc and Quarto do. Off, as in
    MkDocs: such a block is published as written (with `md_in_html`, only elements marked `markdown="1"` are
    read). `<pre>`, `<script>`, `<style>`, `<textarea>`, comments and elements with their own `markdown` attribute
    are never read."""
    data_dir = c.Type(str, default="data")
    """Folder of evidence YAML files, relative to docs_dir."""
    cache_dir = c.Type(str, default=".cache/litreview")
    """Content-hash cache (relative to mkdocs.yml); an empty string turns caching off."""
    page_cache = c.Type(bool, default=True)
    """Reuse each page's Markdown conversion from `cache_dir` while the page, the site's file list, the
    Markdown extensions and the evidence data are unchanged. Off by itself with `pymdownx.snippets`."""
    exports = c.Type(bool, default=True)
    """Offer the library as BibTeX, RIS and CSL-JSON, and each entry as .bib/.ris, for reference managers."""
    export_fields = c.Choice(("all", "verified"), default="all")
    """Which fields the downloads carry: every field of the entry (`all`), or only those its `verifiedfields`
    lists (`verified`: nothing that was not checked against a source reaches readers' reference managers)."""
    exports_folder = c.Type(str, default="bibliography")
    """Site folder of those downloads."""
    allow_network = c.Type(bool, default=False)
    """Let the PDF renderer fetch http(s) resources named in pages. Off: the build makes no network request,
    and every such resource is refused with a warning naming the page and line."""
    reproducible = c.Type(bool, default=True)
    """Set SOURCE_DATE_EPOCH from the last git commit (when unset), so builds of one checkout are identical."""
    pdf = c.SubConfig(PdfConfig)
    """The offline PDF of the whole review."""
    check = c.SubConfig(CheckConfig)
    """Editorial rules of `litreview check` that not every project wants."""
    living = c.SubConfig(LivingConfig)
    """A living review: chapter currency dates, versions, What's new, the feed and citation of this version."""
