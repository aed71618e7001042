"""Customer pages (C2, C3, C8, C11): quick registration, my customers, the 360 view and
export, the follow-up board."""
