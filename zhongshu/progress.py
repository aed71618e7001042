"""Progress for long work run from the command line (demo data, imports)."""

from __future__ import annotations

from collections.abc import Callable

import click

Advance = Callable[[int], None]


def with_progress(work: Callable[[Advance], None], *, total: int, label: str,
                  show: bool = True) -> None:
    """Run ``work(advance)``: a progress bar of ``total`` steps labelled ``label`` that
    ``advance(n)`` moves on, or nothing at all when ``show`` is False."""
    if not show:
        work(lambda _n: None)
        return
    with click.progressbar(length=total, label=label, show_pos=True) as bar:
        work(bar.update)
