"""The TV's live updates: Litestar channels, over Redis when REDIS_URL is set
(so a check-in on one app process reaches a TV connected to another), in
memory otherwise (one process).

Whatever changes a branch's arrivals of the day calls `changed(branch_id)`
inside its write transaction; the message goes out once the transaction
commits, and each TV of that branch renders its list again. Revoking a link
sends `revoked`, and each TV of the branch checks its own link at once.
"""

from __future__ import annotations

from litestar.channels import ChannelsPlugin
from litestar.channels.backends.memory import MemoryChannelsBackend
from litestar.channels.backends.redis import RedisChannelsPubSubBackend
from redis.asyncio import Redis

from app import db
from app.config import Settings

CHANGED, REVOKED = "changed", "revoked"
_PLUGINS: list[ChannelsPlugin] = []  # the channels of each app of this process


def channel(branch_id: int) -> str:
    return f"pantalla-{branch_id}"


def plugin(settings: Settings) -> ChannelsPlugin:
    backend = (RedisChannelsPubSubBackend(redis=Redis.from_url(settings.redis_url), key_prefix="RETORNO_TV")
               if settings.redis_url else MemoryChannelsBackend())
    channels = ChannelsPlugin(backend=backend, arbitrary_channels_allowed=True)
    _PLUGINS.append(channels)
    return channels


def forget(channels: ChannelsPlugin) -> None:
    if channels in _PLUGINS:
        _PLUGINS.remove(channels)


def _publish(branch_id: int, what: str) -> None:
    for channels in _PLUGINS:
        try:
            channels.publish(what, channel(branch_id))
        except RuntimeError:  # an app of this process that is not serving (tests build several)
            continue


def changed(branch_id: int) -> None:
    """The branch's arrivals changed: its TVs redraw once this transaction commits."""
    db.after_commit(lambda: _publish(branch_id, CHANGED))


def revoked(branch_id: int) -> None:
    db.after_commit(lambda: _publish(branch_id, REVOKED))
