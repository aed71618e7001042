"""Configuration pages (C3, C7, C8): imports, message-center rules, custom fields, presets
and the change log."""
