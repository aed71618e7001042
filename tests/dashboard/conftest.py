"""Dashboard tests: the edge tests' signing helpers (edgekit) and the chat helpers
(chatkit) live next to their tests, outside any package."""

from __future__ import annotations

import sys
from pathlib import Path

TESTS = Path(__file__).resolve().parent.parent
for folder in ("edge", "handlers"):
    if str(TESTS / folder) not in sys.path:
        sys.path.insert(0, str(TESTS / folder))
