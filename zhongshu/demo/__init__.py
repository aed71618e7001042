"""``zhongshu demo``: the whole service on one machine with the source article's company as
demo data. ``run`` orchestrates; the other modules generate one domain's data each."""
