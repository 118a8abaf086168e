"""Signing in and out: credentials, the per-address lock, the audit trail."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

from app import db
from app.audit import Actor, record
from app.auth import passwords
from app.config import get_settings
from app.tables import SignInThrottle, User

WRONG = "Usuario o contraseña incorrectos."


@dataclass(frozen=True)
class SignedIn:
    user_id: int
    epoch: int


class SignInRefused(Exception):
    def __init__(self, message: str, locked: bool = False) -> None:
        super().__init__(message)
        self.locked = locked


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(microsecond=0)


def _locked_message(until: dt.datetime, now: dt.datetime) -> str:
    minutes = max(1, math.ceil((until - now).total_seconds() / 60))
    return (f"Demasiados intentos fallidos: el usuario quedó bloqueado desde este equipo por "
            f"{minutes} minuto{'s' if minutes != 1 else ''}. Espere o pida ayuda a un administrador.")


async def sign_in(username: str, password: str, ip: str) -> SignedIn:
    username = username.strip().lower()[:60]
    settings = get_settings()
    now = _now()
    lock = await SignInThrottle.select(SignInThrottle.locked_until).where(
        (SignInThrottle.username == username) & (SignInThrottle.ip == ip) & (SignInThrottle.locked_until > now)
    ).first()
    if lock:
        raise SignInRefused(_locked_message(lock["locked_until"], now), locked=True)

    user = await User.select(User.id, User.dealer, User.password_hash, User.active, User.session_epoch).where(
        User.username == username
    ).first()
    matches, rehash = await passwords.verify_password(user["password_hash"] if user else None, password)
    actor = Actor(user["id"] if user else None, username, user["dealer"] if user else None, ip)

    if not (matches and user and user["active"]):
        await _count_failure(actor, now, settings.sign_in_max_failures, settings.sign_in_lock_minutes)
        raise SignInRefused(WRONG)

    new_hash = await passwords.hash_password(password) if rehash else None
    async with db.write_transaction():
        await SignInThrottle.delete().where((SignInThrottle.username == username) & (SignInThrottle.ip == ip))
        values = {User.last_sign_in_at: now} | ({User.password_hash: new_hash} if new_hash else {})
        await User.update(values).where(User.id == user["id"])
        await record(actor, "auth.sign_in", entity="user", entity_id=user["id"])
    return SignedIn(user["id"], user["session_epoch"])


async def _count_failure(actor: Actor, now: dt.datetime, max_failures: int, lock_minutes: int) -> None:
    window_start = now - dt.timedelta(minutes=lock_minutes)
    async with db.write_transaction():
        # One statement, so two concurrent failures are both counted.
        rows = await db.fetch(
            "INSERT INTO sign_in_throttle (username, ip, failures, first_failed_at) VALUES ({}, {}, 1, {}) "
            "ON CONFLICT (username, ip) DO UPDATE SET "
            "failures = CASE WHEN sign_in_throttle.first_failed_at < {} THEN 1 "
            "ELSE sign_in_throttle.failures + 1 END, "
            "first_failed_at = CASE WHEN sign_in_throttle.first_failed_at < {} THEN {} "
            "ELSE sign_in_throttle.first_failed_at END "
            "RETURNING failures",
            actor.username, actor.ip, now, window_start, window_start, now,
        )
        await record(actor, "auth.failure", entity="user", entity_id=actor.user_id)
        if rows[0]["failures"] >= max_failures:
            until = now + dt.timedelta(minutes=lock_minutes)
            await SignInThrottle.update({
                SignInThrottle.locked_until: until, SignInThrottle.failures: 0, SignInThrottle.first_failed_at: now,
            }).where((SignInThrottle.username == actor.username) & (SignInThrottle.ip == actor.ip))
            await record(actor, "auth.lock", entity="user", entity_id=actor.user_id,
                         after={"locked_until": until.isoformat()})
    if rows[0]["failures"] >= max_failures:
        raise SignInRefused(_locked_message(until, now), locked=True)


async def sign_out(actor: Actor) -> None:
    async with db.write_transaction():
        await record(actor, "auth.sign_out", entity="user", entity_id=actor.user_id)
