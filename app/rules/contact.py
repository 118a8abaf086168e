"""Shapes of contact data that every form checks the same way."""

from __future__ import annotations

import re

# Deliberately simple: a name, one @, a domain with a dot. Deliverability is the SMTP server's word.
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


INVALID_EMAIL = "Escriba una dirección de correo válida, por ejemplo nombre@dominio.com."


def valid_email(value: str) -> bool:
    return len(value) <= 200 and bool(_EMAIL.match(value))
