"""Sales health metrics and drill-down analytics (C9, C10).

| module | what |
|---|---|
| ``rollup`` | refreshes the roll-up tables of ``models.dashboard.tables`` |
| ``metrics`` | the health metrics per scope, team, rep and week, with trends |
| ``drill`` | region → grade → repurchasing customers → one customer's repurchases |
| ``coaching`` | the weekly 3 lowest-compliance reps per supervisor, chart PNG and .xlsx |
| ``compare`` | the article's before/after table for two date ranges |

Every reader takes the signed-in ``User`` and filters through ``models.customers.scope``."""
