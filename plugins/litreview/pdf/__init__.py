"""The offline PDF of the whole review (WeasyPrint, imported lazily)."""
