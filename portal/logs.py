"""Log lines carry the request id (taken from X-Request-ID when a proxy sets one)."""

import logging
import re
import uuid

from flask import Flask, g, has_request_context, request

_VALID_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = g.get("request_id", "-") if has_request_context() else "-"
        return True


def init_app(app: Flask) -> None:
    handler = logging.StreamHandler()
    handler.addFilter(RequestIdFilter())
    handler.setFormatter(
        logging.Formatter("%(asctime)s %(levelname)s [%(request_id)s] %(name)s: %(message)s")
    )
    root = logging.getLogger()
    if not any(isinstance(f, RequestIdFilter) for h in root.handlers for f in h.filters):
        root.addHandler(handler)
    root.setLevel(logging.INFO)
    # WeasyPrint logs each layout step at INFO: seven lines per document, no news.
    logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)

    @app.before_request
    def assign_request_id():
        given = request.headers.get("X-Request-ID", "")
        g.request_id = given if _VALID_ID.match(given) else uuid.uuid4().hex

    @app.after_request
    def echo_request_id(response):
        if "request_id" in g:
            response.headers["X-Request-ID"] = g.request_id
        return response
