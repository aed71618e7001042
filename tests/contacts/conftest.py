"""The handler tests' small organisation and ``say`` helper, shared with these tests."""

from tests.handlers.conftest import customers, org, say

__all__ = ["customers", "org", "say"]
