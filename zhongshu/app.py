"""The Flask application factory."""

from __future__ import annotations

import logging

from flask import Flask, jsonify

from zhongshu import db, queues
from zhongshu.settings import get_settings


def create_app() -> Flask:
    settings = get_settings()
    app = Flask(__name__)
    app.config.update(
        SECRET_KEY=settings.secret_key,
        # Callbacks are small; a larger body is refused before it is read.
        MAX_CONTENT_LENGTH=max(settings.max_callback_bytes, 16 * 1024 * 1024),
        JSON_AS_ASCII=False,
    )
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    logging.basicConfig(level=logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s %(message)s")

    import handlers  # noqa: F401 - registers every handler on the router
    from bot.dingtalk.views import bp as dingtalk_bp
    from bot.wecom.views import bp as wecom_bp

    app.register_blueprint(wecom_bp)
    app.register_blueprint(dingtalk_bp)
    from web import init_app as init_web  # H5 pages: register, customers, admin import
    init_web(app)

    @app.get("/healthz")
    def healthz():
        state = {"db": "ok" if db.ping() else "down", "redis": "ok" if queues.ping() else "down"}
        ok = all(v == "ok" for v in state.values())
        return jsonify(state), 200 if ok else 503

    return app
