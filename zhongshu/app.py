"""The Flask application factory."""

from __future__ import annotations

import re
import uuid
from typing import Any

from flask import Flask, g, jsonify, request
from werkzeug.routing import IntegerConverter, Map
from werkzeug.wrappers import Response

import handlers  # noqa: F401 - registers every handler on the router
from bot.dingtalk.views import bp as dingtalk_bp
from bot.wecom.views import bp as wecom_bp
from models.base import MAX_ID
from web.blueprints import init_app as init_web  # every H5 blueprint
from zhongshu import db, logging_conf, queues
from zhongshu.metrics import bp as metrics_bp
from zhongshu.settings import get_settings

_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")


class _IdConverter(IntegerConverter):
    def __init__(self, url_map: Map, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", MAX_ID)
        super().__init__(url_map, *args, **kwargs)


def create_app() -> Flask:
    settings = get_settings()
    # Outside the demo, never serve on published, missing or weak secrets.
    settings.refuse_unsafe()
    app = Flask(__name__)
    app.config.update(
        SECRET_KEY=settings.secret_key,
        # Callbacks are small; a larger body is refused before it is read.
        MAX_CONTENT_LENGTH=max(settings.max_callback_bytes, 16 * 1024 * 1024),
        JSON_AS_ASCII=False,
    )
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    # <int:id> in URLs stops at the database's integer range: a 30-digit id is a 404,
    # not an overflow error (a 500) in the driver.
    app.url_map.converters["int"] = _IdConverter
    if settings.proxy_count > 0:
        # Behind nginx: the client's address is the proxy's X-Forwarded-For entry, not the
        # proxy's own (the sign-in limits count per address).
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=settings.proxy_count,  # type: ignore[method-assign]
                                x_proto=settings.proxy_count)
    logging_conf.configure()

    app.register_blueprint(wecom_bp)
    app.register_blueprint(dingtalk_bp)
    init_web(app)

    app.register_blueprint(metrics_bp)

    @app.before_request
    def _request_id() -> None:
        # A proxy's id is kept (one id from the load balancer to the push); else a new one.
        given = request.headers.get("X-Request-ID", "")
        rid = given if _REQUEST_ID.fullmatch(given) else uuid.uuid4().hex[:16]
        g.request_id_token = logging_conf.request_id.set(rid)

    @app.after_request
    def _request_id_header(response: Response) -> Response:
        rid = logging_conf.request_id.get()
        if rid:
            response.headers["X-Request-ID"] = rid
        return response

    @app.teardown_request
    def _request_id_reset(_exc: BaseException | None) -> None:
        token = g.pop("request_id_token", None)
        if token is not None:
            logging_conf.request_id.reset(token)

    @app.get("/healthz")
    def healthz():
        state = {"db": "ok" if db.ping() else "down", "redis": "ok" if queues.ping() else "down"}
        ok = all(v == "ok" for v in state.values())
        return jsonify(state), 200 if ok else 503

    return app
