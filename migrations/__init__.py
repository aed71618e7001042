"""Alembic migrations; run with ``zhongshu db upgrade``."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config

from zhongshu.settings import get_settings

HERE = Path(__file__).resolve().parent


def alembic_config() -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(HERE))
    cfg.set_main_option("sqlalchemy.url", get_settings().sqlalchemy_url.replace("%", "%%"))
    return cfg


def upgrade(revision: str = "head") -> None:
    get_settings().instance_dir.mkdir(parents=True, exist_ok=True)
    command.upgrade(alembic_config(), revision)
