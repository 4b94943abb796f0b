"""Deterministic synthetic reviews: chapters with every pandoc citation form, a BibTeX library, evidence YAML.

Everything is drawn from one `random.Random(seed)`, so a size and a seed always give byte-identical files.
Each corpus gets three MkDocs configurations that build the same `docs/`: `mkdocs-plain.yml` (no citation
plugin: the floor), `mkdocs-litreview.yml` (also written as `mkdocs.yml`, for `litreview check`) and
`mkdocs-bibtex.yml` (mkdocs-bibtex 4.4.0 with its footnote approach, sharing our placement markers).
"""
from __future__ import annotations

import argparse
import json
import random
import re
import shutil
from collections import Counter
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import yaml

SEED = 20240517
VARIANTS = ("plain", "litreview", "bibtex")


@dataclass(frozen=True)
class Size:
    name: str
    chapters: int
    refs: int
    citations: int  # citations written in the prose (a bracketed group or a narrative `@key` counts once)
    datasets: int  # evidence YAML files; one `<!-- evidence-table -->` per five chapters uses them

    @property
    def per_chapter(self) -> float:
        return self.citations / self.chapters


SIZES: dict[str, Size] = {
    "tiny": Size("tiny", 3, 20, 30, 1),
    "S": Size("S", 10, 200, 300, 2),
    "M": Size("M", 50, 1_000, 3_000, 10),
    "L": Size("L", 200, 5_000, 12_000, 40),
}

# (family as BibTeX, the same in lowercase ASCII for keys)
FAMILIES = [
    ("M{\\\"u}ller", "muller"), ("Garc{\\'\\i}a", "garcia"), ("{\\O}stergaard", "ostergaard"),
    ("Fran{\\c{c}}ois", "francois"), ("{\\v{S}}imunek", "simunek"), ("Sch{\\\"o}nberg", "schonberg"),
    ("Nu{\\~n}ez", "nunez"), ("Dvo{\\v{r}}{\\'a}k", "dvorak"), ("Br{\\aa}then", "brathen"),
    ("Kowalski", "kowalski"), ("Smith", "smith"), ("Nakamura", "nakamura"), ("O'Brien", "obrien"),
    ("Chen", "chen"), ("Rossi", "rossi"), ("Dupont", "dupont"), ("Andersen", "andersen"), ("Kim", "kim"),
    ("Patel", "patel"), ("Lef{\\`e}vre", "lefevre"), ("W{\\k{a}}sowicz", "wasowicz"), ("Strosberg", "strosberg"),
    ("Kennedy", "kennedy"), ("Frilling", "frilling"), ("Pavel", "pavel"), ("de Baere", "debaere"),
    ("Y{\\i}lmaz", "yilmaz"), ("G{\\'o}mez", "gomez"), ("Hoffmann", "hoffmann"), ("Tanaka", "tanaka"),
]
GIVEN = ["Anna", "Luis", "Jos{\\'e}", "Bj{\\\"o}rn", "Fran{\\c{c}}oise", "Wei", "Maria", "Jan", "Kenji",
         "Priya", "Thomas J.", "Ren{\\'e}e", "S{\\o}ren", "Hans-Peter", "Mar{\\'\\i}a Jos{\\'e}", "Olga"]
TITLE_HEADS = [
    ("Hepatic", "hepatic"), ("Transarterial", "transarterial"), ("Radioembolization", "radioembolization"),
    ("Outcomes", "outcomes"), ("Survival", "survival"), ("Ablation", "ablation"), ("Peptide", "peptide"),
    ("Chemoembolization", "chemoembolization"), ("Resection", "resection"), ("Imaging", "imaging"),
    ("Somatostatin", "somatostatin"), ("Dosimetry", "dosimetry"), ("Selection", "selection"),
    ("Toxicity", "toxicity"), ("Sequencing", "sequencing"), ("Long-term", "longterm"),
]
TITLE_MIDDLE = ["embolization of liver metastases", "receptor radionuclide therapy with $^{177}$Lu-{DOTATATE}",
                "response after {PRRT} and {TACE}", "selective internal radiation with $^{90}$Y microspheres",
                "of neuroendocrine neoplasms \\& carcinoid syndrome", "in grade 1--2 {NET} liver disease",
                "before and after liver transplantation", "with drug-eluting beads", "by {MRI} and {PET/CT}"]
TITLE_TAILS = ["a randomized trial", "a retrospective cohort", "a systematic review and meta-analysis",
               "a multicentre registry", "a prospective phase {II} study", "results of a consensus"]
JOURNALS = ["J Nucl Med", "Eur J Nucl Med Mol Imaging", "Radiology", "Cardiovasc Intervent Radiol",
            "J Vasc Interv Radiol", "Neuroendocrinology", "Ann Surg Oncol", "Lancet Oncol", "N Engl J Med",
            "Cancers (Basel)", "Endocr Relat Cancer", "J Clin Oncol"]
PUBLISHERS = [("Springer", "Cham"), ("Elsevier", "Amsterdam"), ("Thieme", "Stuttgart"), ("Wiley", "Hoboken")]

SUBJECTS = ["Bland embolization", "Chemoembolization with drug-eluting beads", "Radioembolization",
            "Peptide receptor radionuclide therapy", "Thermal ablation", "Hepatic resection",
            "Liver transplantation", "Somatostatin analogue therapy", "Combined locoregional treatment",
            "Sequencing of liver-directed therapies", "Dosimetry-guided treatment planning"]
VERBS = ["was associated with", "did not clearly improve", "gave durable control of", "reduced",
         "was compared with best supportive care for", "showed a favourable profile regarding",
         "raised concerns about", "remains the reference standard for"]
OBJECTS = ["progression-free survival in liver-dominant disease", "hormonal symptoms in carcinoid syndrome",
           "objective response by RECIST 1.1", "the hepatic tumour burden", "biliary complications",
           "quality of life during follow-up", "overall survival in grade 2 tumours",
           "post-embolization syndrome", "radiation-induced liver disease", "extrahepatic progression"]
CONTEXTS = ["in the largest series so far", "in selected patients", "across several centres",
            "after a median follow-up of 30 months", "when the tumour burden was below 50%",
            "in patients pretreated with somatostatin analogues", "in a small randomized comparison",
            "although confidence intervals were wide"]
FILLER = ["The evidence base remains heterogeneous and mostly retrospective.",
          "Patient selection differs between centres and is rarely reported in full.",
          "Definitions of response changed over the period covered by these studies.",
          "Multidisciplinary tumour boards weigh these options against systemic therapy.",
          "Few studies stratify their results by primary tumour site or grade.",
          "Toxicity reporting is inconsistent, which hampers comparison.",
          "Cost and access also shape which treatment a patient receives.",
          "Long-term data on quality of life are scarce."]

# The forms and how often a review uses them (weights, not probabilities).
FORMS = {
    "single": 40,        # [@a]
    "multiple": 18,      # [@a; @b] or [@a; @b; @c]
    "locator": 10,       # [@a, p. 4]
    "prefixed": 6,       # [see @a, pp. 3-5; also @b]
    "suppress": 6,       # [-@a]
    "narrative": 14,     # @a
    "narrative_loc": 6,  # @a [p. 4]
}


@dataclass
class Reference:
    key: str
    bibtex: str


@dataclass
class Manifest:
    size: Size
    seed: int
    chapters: list[str] = field(default_factory=list)
    citations: int = 0
    forms: dict[str, int] = field(default_factory=dict)
    keys_cited: int = 0
    datasets: list[str] = field(default_factory=list)
    table_directives: int = 0
    words: int = 0

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2, sort_keys=True)


def _authors(rng: random.Random) -> tuple[str, str]:
    """A BibTeX author list (accents in LaTeX) and the first author's ASCII family name."""
    count = rng.choice([1, 2, 3, 4, 5, 6, 7, 8])
    people = []
    first = ""
    for i in range(count):
        family, ascii_family = rng.choice(FAMILIES)
        if i == 0:
            first = ascii_family
        people.append(f"{family}, {rng.choice(GIVEN)}")
    if count >= 6 and rng.random() < 0.5:
        people.append("others")
    return " and ".join(people), first


def make_library(size: Size, rng: random.Random) -> list[Reference]:
    refs: list[Reference] = []
    seen: set[str] = set()
    works: set[tuple[str, int]] = set()  # `litreview check` reads one title in one year as one work
    for i in range(size.refs):
        authors, family = _authors(rng)
        year = rng.randint(1995, 2024)
        head, head_key = rng.choice(TITLE_HEADS)
        title = f"{head} {rng.choice(TITLE_MIDDLE)}: {rng.choice(TITLE_TAILS)}"
        book = rng.random() >= 0.85
        if book:
            title = title.split(":")[0]
        base_title, part = title, 1
        while (re.sub(r"[^a-z0-9]+", " ", title.lower()), year) in works:
            part += 1
            title = f"{base_title}, part {part}"
        works.add((re.sub(r"[^a-z0-9]+", " ", title.lower()), year))
        base = f"{family}{year}{head_key}"
        key, n = base, 0
        while key in seen:
            n += 1
            key = base + "abcdefghijklmnopqrstuvwxyz"[(n - 1) % 26] * (1 + (n - 1) // 26)
        seen.add(key)
        if not book:
            first_page = rng.randint(1, 1500)
            fields = [("author", authors), ("title", title), ("journal", rng.choice(JOURNALS)),
                      ("year", str(year)), ("volume", str(rng.randint(1, 80))), ("number", str(rng.randint(1, 12))),
                      ("pages", f"{first_page}--{first_page + rng.randint(4, 14)}"),
                      ("doi", f"10.{5000 + i % 97}/bench.{year}.{i:05d}")]
            if rng.random() < 0.5:
                fields.append(("pmid", str(30_000_000 + i)))
            kind = "article"
        else:
            publisher, address = rng.choice(PUBLISHERS)
            role = "editor" if rng.random() < 0.3 else "author"
            fields = [(role, authors), ("title", title), ("publisher", publisher),
                      ("address", address), ("year", str(year)), ("edition", str(rng.randint(1, 4))),
                      ("doi", f"10.{5000 + i % 97}/book.{year}.{i:05d}")]
            kind = "book"
        body = ",\n".join(f"  {name} = {{{value}}}" for name, value in fields)
        refs.append(Reference(key, f"@{kind}{{{key},\n{body}\n}}\n"))
    return refs


class _KeyStream:
    """Cites every reference once (in a shuffled order) before citing any twice."""

    def __init__(self, keys: list[str], rng: random.Random) -> None:
        self.rng = rng
        self.keys = keys
        self.cover = list(keys)
        rng.shuffle(self.cover)
        self.cover.reverse()

    def take(self, count: int) -> list[str]:
        out: list[str] = []
        while len(out) < count:
            key = self.cover.pop() if self.cover else self.rng.choice(self.keys)
            if key not in out:
                out.append(key)
        return out


def _claim(rng: random.Random) -> str:
    return f"{rng.choice(SUBJECTS)} {rng.choice(VERBS)} {rng.choice(OBJECTS)} {rng.choice(CONTEXTS)}"


def _lower_first(text: str) -> str:
    return text[0].lower() + text[1:]


def cited_sentence(form: str, keys: _KeyStream, rng: random.Random) -> str:
    claim = _claim(rng)
    page = rng.randint(2, 400)
    if form == "single":
        return f"{claim} [@{keys.take(1)[0]}]."
    if form == "multiple":
        group = keys.take(rng.choice([2, 2, 3]))
        return f"{claim} [{'; '.join('@' + k for k in group)}]."
    if form == "locator":
        return f"{claim} [@{keys.take(1)[0]}, p. {page}]."
    if form == "prefixed":
        a, b = keys.take(2)
        return f"{claim} [see @{a}, pp. {page}-{page + rng.randint(1, 9)}; also @{b}]."
    if form == "suppress":
        return f"The same group later reported that {_lower_first(claim)} [-@{keys.take(1)[0]}]."
    if form == "narrative":
        return f"As @{keys.take(1)[0]} reported, {_lower_first(claim)}."
    if form == "narrative_loc":
        return f"In their discussion, @{keys.take(1)[0]} [p. {page}] argued that {_lower_first(claim)}."
    raise ValueError(form)


def _forms(rng: random.Random, count: int) -> list[str]:
    names, weights = list(FORMS), list(FORMS.values())
    # Every form at least once per chapter when the chapter has room for it.
    head = names[:count] if count >= len(names) else rng.sample(names, count)
    return head + rng.choices(names, weights=weights, k=count - len(head))


def _chapter_counts(size: Size) -> list[int]:
    base, extra = divmod(size.citations, size.chapters)
    return [base + (1 if i < extra else 0) for i in range(size.chapters)]


def _paragraphs(sentences: list[str], rng: random.Random) -> Iterator[str]:
    i = 0
    while i < len(sentences):
        n = rng.randint(3, 6)
        yield " ".join(sentences[i:i + n])
        i += n


def make_chapter(index: int, count: int, keys: _KeyStream, rng: random.Random, size: Size,
                 manifest: Manifest) -> str:
    forms = _forms(rng, count)
    cited = [cited_sentence(f, keys, rng) for f in forms]
    for f in forms:
        manifest.forms[f] = manifest.forms.get(f, 0) + 1
    key_points, body_cited = cited[:2], cited[2:]
    sentences = body_cited + [rng.choice(FILLER) for _ in range(len(body_cited))]
    rng.shuffle(sentences)
    paragraphs = list(_paragraphs(sentences, rng))
    out = [f"# Chapter {index + 1}: {rng.choice(SUBJECTS)} {rng.choice(['revisited', 'in practice', 'today'])}",
           "", '!!! abstract "Key points"']
    out += [f"    - {s}" for s in key_points] + [""]
    if index % 5 == 1 and size.datasets:
        d = (index // 5) % size.datasets
        name = f"set{d + 1:02d}"
        options = "sort=-n" if d % 2 == 0 else "columns=source,design,n,orr,os sort=design"
        paragraphs.insert(min(2, len(paragraphs)), f'<!-- evidence-table {name} {options} '
                                                    f'caption="Studies of set {d + 1}" -->')
        manifest.table_directives += 1
    if index == 0:
        paragraphs.append("Correspondence goes to reviews@example.org; in code, `@decorator` and "
                          "`[@not-a-citation]` stay literal, and so does an escaped \\@handle.")
    for p, paragraph in enumerate(paragraphs):
        if p and p % 6 == 0:
            out += [f"## Section {p // 6}", ""]
        out += [paragraph, ""]
    out += ["## Open questions", "", rng.choice(FILLER), ""]
    text = "\n".join(out)
    manifest.words += len(text.split())
    return text


def make_dataset(number: int, keys: list[str], rng: random.Random) -> str:
    rows = []
    for r in range(12):
        n = rng.randint(12, 480)
        orr = rng.randint(5, 80)
        os_months = round(rng.uniform(12, 90), 1)
        rows.append({
            "id": f"r{r + 1:02d}",
            "source": rng.choice(keys),
            "design": rng.choice(["RCT", "prospective", "retrospective", "registry"]),
            "n": n,
            "orr": orr if r % 3 else f"{orr} ({max(orr - 12, 0)}\u2013{min(orr + 12, 100)})",
            "os": None if r % 7 == 3 else (
                "NR" if r % 11 == 5
                else f"{os_months} ({round(os_months * 0.8, 1)}\u2013{round(os_months * 1.2, 1)})"),
            "hr": None if r % 2 else (
                f"HR 0.{rng.randint(40, 99)} (0.{rng.randint(20, 39)}\u20131.{rng.randint(0, 60):02d})"),
        })
    data = {
        "title": f"Synthetic evidence set {number}",
        "modality": f"Modality {number}",
        "columns": [
            {"id": "source", "label": "Study", "type": "citation"},
            {"id": "design", "label": "Design", "type": "text"},
            {"id": "n", "label": "Patients", "type": "integer"},
            {"id": "orr", "label": "Objective response", "type": "percent"},
            {"id": "os", "label": "Median OS", "type": "months"},
            {"id": "hr", "label": "Hazard ratio", "type": "ratio"},
        ],
        "rows": rows,
    }
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True)


def mkdocs_config(size: Size, variant: str, nav: list[Any]) -> dict[str, Any]:
    plugins: list[Any] = ["search"]
    if variant == "litreview":
        plugins.append({"litreview": {"bib_files": ["refs.bib"], "required_fields": ["author", "title", "year"],
                                      "pdf": {"enabled": False}}})
    elif variant == "bibtex":
        # Same placement markers as litreview, so one docs/ serves every variant.
        plugins.append({"bibtex": {"bib_file": "refs.bib", "bib_command": "<!-- references -->",
                                   "full_bib_command": "<!-- bibliography -->"}})
    elif variant != "plain":
        raise ValueError(variant)
    return {
        "site_name": f"Benchmark review ({size.name}, {variant})",
        "docs_dir": "docs",
        "use_directory_urls": False,
        "theme": {"name": "material", "font": False, "features": ["navigation.sections", "search.suggest"]},
        "markdown_extensions": ["admonition", "attr_list", "footnotes", "tables", {"toc": {"permalink": True}}],
        "plugins": plugins,
        "nav": nav,
    }


def write_configs(root: Path, size: Size, nav: list[Any]) -> None:
    for variant in VARIANTS:
        text = yaml.safe_dump(mkdocs_config(size, variant, nav), sort_keys=False)
        (root / f"mkdocs-{variant}.yml").write_text(text, encoding="utf-8")
    shutil.copyfile(root / "mkdocs-litreview.yml", root / "mkdocs.yml")


def generate(size: Size | str, root: Path, seed: int = SEED) -> Manifest:
    """Write a corpus under `root` (replacing what was there) and return what it holds."""
    size = SIZES[size] if isinstance(size, str) else size
    rng = random.Random(f"{seed}-{size.name}")
    if root.exists():
        shutil.rmtree(root)
    docs = root / "docs"
    (docs / "data").mkdir(parents=True)
    manifest = Manifest(size, seed)
    refs = make_library(size, rng)
    (root / "refs.bib").write_text("% Synthetic references for benchmarks; not real publications.\n\n"
                                   + "\n".join(r.bibtex for r in refs), encoding="utf-8")
    keys = [r.key for r in refs]
    for d in range(size.datasets):
        name = f"set{d + 1:02d}"
        (docs / "data" / f"{name}.yaml").write_text(make_dataset(d + 1, keys, rng), encoding="utf-8")
        manifest.datasets.append(name)
    stream = _KeyStream(keys, rng)
    nav: list[Any] = [{"Overview": "index.md"}]
    chapters: list[Any] = []
    for i, count in enumerate(_chapter_counts(size)):
        name = f"ch{i + 1:03d}.md"
        (docs / name).write_text(make_chapter(i, count, stream, rng, size, manifest), encoding="utf-8")
        manifest.chapters.append(name)
        chapters.append({f"Chapter {i + 1}": name})
    nav.append({"Chapters": chapters})
    nav.append({"References": "references.md"})
    # No figures here: `litreview check` flags numbers without a citation (corpus.json holds the counts).
    (docs / "index.md").write_text(f"# Synthetic review ({size.name})\n\nGenerated for benchmarks; the chapters "
                                   "cite synthetic references, not real publications.\n", encoding="utf-8")
    (docs / "references.md").write_text("# References\n\n<!-- bibliography -->\n", encoding="utf-8")
    write_configs(root, size, nav)
    manifest.citations = sum(manifest.forms.values())
    manifest.keys_cited = len(keys) - len(stream.cover)
    (root / "corpus.json").write_text(manifest.to_json(), encoding="utf-8")
    return manifest


def one_page_site(corpus: Path, chapter: str, root: Path) -> Path:
    """A site of one chapter (as its index page) with the corpus's bibliography and data: the rebuild yardstick."""
    if root.exists():
        shutil.rmtree(root)
    (root / "docs").mkdir(parents=True)
    shutil.copyfile(corpus / "docs" / chapter, root / "docs" / "index.md")
    shutil.copytree(corpus / "docs" / "data", root / "docs" / "data")
    shutil.copyfile(corpus / "refs.bib", root / "refs.bib")
    size = SIZES["tiny"]
    for variant in VARIANTS:
        config = mkdocs_config(size, variant, [{"Chapter": "index.md"}])
        config["site_name"] = f"One chapter ({variant})"
        (root / f"mkdocs-{variant}.yml").write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    return root


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("size", choices=sorted(SIZES))
    parser.add_argument("root", type=Path)
    parser.add_argument("--seed", type=int, default=SEED)
    args = parser.parse_args(argv)
    manifest = generate(args.size, args.root, args.seed)
    counts = Counter(manifest.forms)
    print(f"{args.root}: {len(manifest.chapters)} chapters, {manifest.citations} citations "
          f"({', '.join(f'{k} {v}' for k, v in sorted(counts.items()))}), {manifest.words} words")


if __name__ == "__main__":
    main()
