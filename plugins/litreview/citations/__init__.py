"""Citations: pandoc syntax parser, Markdown placeholders, global numbering and the HTML fixer."""
