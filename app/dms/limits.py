"""The ingestion API's rate limit: per API key (not per address: several DMS
installations may share a NAT), counted in Redis when there is one so every
app process sees the same count."""

from __future__ import annotations

import hashlib

from litestar import Request
from litestar.middleware.rate_limit import RateLimitConfig
from litestar.stores.base import Store
from litestar.stores.memory import MemoryStore
from litestar.stores.redis import RedisStore

from app.config import Settings

RATE_LIMIT_STORE = "api_rate_limit"


def _key_of(request: Request) -> str:
    # A hash, so the store never holds a usable key; requests without a key share one bucket.
    return hashlib.sha256(request.headers.get("x-api-key", "").encode()).hexdigest()[:32]


def api_rate_limit(settings: Settings) -> RateLimitConfig:
    return RateLimitConfig(rate_limit=("minute", settings.api_requests_per_minute), identifier_for_request=_key_of,
                           store=RATE_LIMIT_STORE)


def rate_limit_store(settings: Settings) -> Store:
    if settings.redis_url:
        return RedisStore.with_client(url=settings.redis_url, namespace="retorno:api-rate")
    return MemoryStore()
