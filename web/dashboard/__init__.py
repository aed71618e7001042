"""The sales health dashboard and drill-down pages (C9, C10)."""
