"""Every user-facing string the renderers add on their own (Chinese, one place)."""

DETAILS = "详情"  # WeCom textcard button
VIEW_DETAILS = "查看详情"  # DingTalk action card link button
