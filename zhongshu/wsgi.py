"""WSGI entry point for gunicorn: ``gunicorn zhongshu.wsgi:app``."""

from zhongshu.app import create_app
from zhongshu.settings import serving_settings

serving_settings()  # an unsafe configuration: the refusal on stderr, exit status 2
app = create_app()
