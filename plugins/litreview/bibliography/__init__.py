"""Bibliography: BibTeX loading into immutable records, LaTeX to Unicode, formatting styles, exports."""
