"""Team configuration without code (C8): settings (``team_config``), their audit log and
ownership (``audit``) and undo (``undo``), custom fields (the ``custom_fields`` package),
team-size presets and the product's glossary."""
