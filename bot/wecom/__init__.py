"""WeCom: callback crypto, XML parsing into the neutral Event, passive replies, the
self-built app client and its menu (PLATFORMS.md §1–§2)."""
