"""schemathesis hooks for scripts/fuzz.sh (loaded through SCHEMATHESIS_HOOKS).

tus PATCH bodies are `application/offset+octet-stream`: raw bytes, sent
like `application/octet-stream`; a member import's `text/csv` is text,
sent like `text/plain`.
"""

import uuid

import schemathesis

schemathesis.serializer.alias("application/offset+octet-stream", "application/octet-stream")
# A member import is a CSV file: text, sent as it is.
schemathesis.serializer.alias("text/csv", "text/plain")


@schemathesis.hook
def before_call(ctx, case, kwargs):
    """A fresh `Idempotency-Key` for every call that draws a valid one.

    The server replays a key's first answer and refuses the key with
    another body (422): drawn keys repeat across calls ("0", "A"), which
    would test the key rather than the operation. A drawn key the schema
    refuses is sent as drawn, so the negative checks still see it.
    """
    headers = case.headers
    if not headers:
        return
    for name in list(headers):
        if name.lower() == "idempotency-key":
            value = headers[name]
            if isinstance(value, str) and 1 <= len(value) <= 255 and all(
                "!" <= ch <= "~" for ch in value
            ):
                headers[name] = str(uuid.uuid4())
