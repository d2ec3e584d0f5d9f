"""Request body size limit, enforced before any parsing."""

from fastapi import HTTPException, status
from starlette.types import ASGIApp, Message, Receive, Scope, Send


class BodyLimitMiddleware:
    """Answers 413 for bodies over ``max_bytes``, declared or streamed.

    A declared ``Content-Length`` over the limit is refused at the first attempt to
    read the body. Chunked bodies have no length, so the bytes are counted as they
    arrive and reading stops with a 413 as soon as the count passes the limit. (FastAPI's own
    ``max_body_size`` answers in plain text and outside the user middleware, where
    the request metric cannot see it; this one answers in JSON like every error.)
    """

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.detail = f"request body larger than {max_bytes} bytes"

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Refuse oversized bodies; pass everything else through."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = _content_length(scope)
        received = 0

        async def counting_receive() -> Message:
            nonlocal received
            # Raised from the first read, inside routing, so the 413 is handled (and
            # measured) on its route like any other error; no byte is read or parsed.
            if declared is not None and declared > self.max_bytes:
                raise HTTPException(status.HTTP_413_CONTENT_TOO_LARGE, self.detail)
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    # FastAPI re-raises HTTPExceptions from body reading unchanged, so
                    # its exception handler turns this into the JSON 413.
                    raise HTTPException(status.HTTP_413_CONTENT_TOO_LARGE, self.detail)
            return message

        await self.app(scope, counting_receive, send)


def _content_length(scope: Scope) -> int | None:
    for name, value in scope["headers"]:
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None
