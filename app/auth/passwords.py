"""argon2id hashing, run off the event loop under a small limiter: one hash
takes ~200 ms of CPU and the machine has two cores (STACK-NOTES §7)."""

from __future__ import annotations

import anyio
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from app.config import get_settings

_limiter: anyio.CapacityLimiter | None = None


def _hasher() -> PasswordHasher:
    if get_settings().env == "test":
        # Tests sign in hundreds of times; production keeps argon2's defaults.
        return PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    return PasswordHasher()


def _limit() -> anyio.CapacityLimiter:
    global _limiter
    if _limiter is None:
        _limiter = anyio.CapacityLimiter(2)
    return _limiter


def hash_now(password: str) -> str:
    """For the command line and the demo loader, where no loop is serving."""
    return _hasher().hash(password)


async def hash_password(password: str) -> str:
    return await anyio.to_thread.run_sync(_hasher().hash, password, limiter=_limit())


def _verify(stored: str, password: str) -> tuple[bool, bool]:
    hasher = _hasher()
    try:
        hasher.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return False, False
    return True, hasher.check_needs_rehash(stored)


# Verified when the user does not exist, so both answers take as long.
_DUMMY: str | None = None


async def verify_password(stored: str | None, password: str) -> tuple[bool, bool]:
    """(matches, needs_rehash)."""
    global _DUMMY
    if stored is None:
        if _DUMMY is None:
            _DUMMY = await hash_password("not-a-password")
        await anyio.to_thread.run_sync(_verify, _DUMMY, password, limiter=_limit())
        return False, False
    return await anyio.to_thread.run_sync(_verify, stored, password, limiter=_limit())


MIN_LENGTH = 10


def weakness(password: str, username: str = "") -> str | None:
    """A Spanish reason the password is not acceptable, or None."""
    if len(password) < MIN_LENGTH:
        return f"La contraseña debe tener al menos {MIN_LENGTH} caracteres."
    if username and username.lower() in password.lower():
        return "La contraseña no puede contener el nombre de usuario."
    return None
