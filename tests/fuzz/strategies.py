"""What hostile or just unusual users type: full-width digits, emoji, control and
bidirectional characters, very long strings, SQL and HTML/JS injection."""

from __future__ import annotations

from hypothesis import strategies as st

NASTY = [
    "１３８００１３８０００",  # full-width digits
    "１３８－００１３－８０００",
    "😀🏭💰",  # emoji (4-byte UTF-8)
    "\u202e\u0633\u0644\u0627\u0645\u202c",  # RTL override + Arabic
    "\u200b\u200d\ufeff",  # zero-width
    "\x00\x01\x07\x1b[31m\x7f",  # control characters
    "'; DROP TABLE customer; --",
    "\" OR 1=1 --",
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "javascript:alert(1)",
    "{{7*7}}${7*7}<%= 7*7 %>",
    "]]><xml>",
    "\\u0000%00%s%n",
    "新客户",
    "客户 ",
]

nasty = st.sampled_from(NASTY)
long_text = st.builds(lambda ch, n: ch * n, st.sampled_from(["客", "a", "😀", "1"]),
                      st.integers(min_value=1000, max_value=10_000))
unicode_text = st.text(st.characters(codec="utf-8"), max_size=200)
# Mixed: nasty pieces glued to arbitrary text, sometimes a huge string.
hostile = st.one_of(
    nasty,
    unicode_text,
    long_text,
    st.lists(st.one_of(nasty, unicode_text), min_size=1, max_size=5).map(" ".join),
)
