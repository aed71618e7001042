"""Zhongshu (中枢): the service's application shell — settings, app factory, CLI."""
