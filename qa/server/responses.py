"""A JSON response encoded where the route runs.

FastAPI validates and re-encodes a returned dict (``jsonable_encoder``, then ``json.dumps``)
after the route's thread hands it back to the event loop; an answer is already plain JSON data,
so the routes on the question path encode it once, in their own worker thread."""

from __future__ import annotations

import json
from typing import Any

from starlette.responses import Response


class JSONData(Response):
    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return json.dumps(content, ensure_ascii=False, separators=(",", ":")).encode()
