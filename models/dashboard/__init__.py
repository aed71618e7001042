"""Roll-up tables behind the sales health dashboard and the drill-down (C9, C10)."""
