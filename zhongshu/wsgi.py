"""WSGI entry point for gunicorn: ``gunicorn zhongshu.wsgi:app``."""

from zhongshu.app import create_app

app = create_app()
