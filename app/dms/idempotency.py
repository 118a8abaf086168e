"""Idempotency-Key for the ingestion API: a retried batch gets the first answer back.

The answer is kept per (API key, Idempotency-Key) with a fingerprint of the
request; the same key with a different batch is refused (422), as the IETF
draft on the header recommends. Two copies of one request racing each other
both run (the upsert makes the second change nothing) and both get the answer
that was kept first.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from app import db
from app.errors import Invalid
from app.tables import ApiIdempotency

KEEP = dt.timedelta(hours=24)


async def earlier_answer(key_id: int, key: str, fingerprint: str) -> dict[str, Any] | None:
    row = await ApiIdempotency.select(ApiIdempotency.request_hash, ApiIdempotency.response,
                                      ApiIdempotency.created_at).where(
        (ApiIdempotency.api_key == key_id) & (ApiIdempotency.key == key)).output(load_json=True).first()
    if row is None or dt.datetime.now(dt.UTC) - row["created_at"] > KEEP:
        return None
    if row["request_hash"] != fingerprint:
        raise Invalid("Esta Idempotency-Key ya se usó con otro contenido: use una clave nueva para cada lote.")
    return row["response"]


async def keep_answer(key_id: int, key: str, fingerprint: str, answer: dict[str, Any]) -> dict[str, Any]:
    """Keeps the answer, unless a copy of the request kept one first: then that one."""
    async with db.write_transaction():
        await ApiIdempotency.delete().where(
            (ApiIdempotency.api_key == key_id) & (ApiIdempotency.key == key)
            & (ApiIdempotency.created_at < dt.datetime.now(dt.UTC) - KEEP))
        await ApiIdempotency.insert(ApiIdempotency(
            api_key=key_id, key=key, request_hash=fingerprint, response=answer,
        )).on_conflict(action="DO NOTHING")
    kept = await ApiIdempotency.select(ApiIdempotency.response).where(
        (ApiIdempotency.api_key == key_id) & (ApiIdempotency.key == key)).output(load_json=True).first()
    return kept["response"] if kept else answer
