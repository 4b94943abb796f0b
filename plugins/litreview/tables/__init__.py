"""Evidence data: YAML tables with a schema, rendered as sortable tables, inline values and SVG charts."""
