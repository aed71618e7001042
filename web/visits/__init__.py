"""Visit pages (C4, C5): the H5 check-in, the supervisor's review of a flagged visit, next
week's plan."""
