"""es-AR vs es-MX: one gettext mechanism; every Argentine word has its Mexican one."""

from __future__ import annotations

import datetime as dt
import re

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from app import i18n
from app.config import ROOT

# Words Argentina and Mexico say differently; a string holding one needs an es-MX translation.
ARGENTINE = re.compile(r"\b(turnos?|patentes?|dominio|sacá|tenés|podés|querés|elegí|escribí|ingresá)\b", re.I)


# Argentine voseo (and tuteo): the source text addresses the user as "usted",
# which reads right in both countries; only vocabulary differs, via gettext.
_VERBS = ("revis|recarg|ingres|esper|escrib|eleg|cre|complet|prob|indic|ejecut|busc|necesit|agreg|guard|cambi|"
          "confirm|seleccion|marc|carg|sub|descarg|peg|toc|mir|us|intent|avis|llam|edit|asign|desactiv|reactiv|"
          "activ|import|export|acept|cancel|envi|cerr|abr|volv|pas|dej|verific|ten|pod|quer|sab|hac|dec|ped|pon")
FAMILIAR = re.compile(rf"\b(?:(?:{_VERBS})(?:á|é|í|ás|és|ís)(?:le|lo|la|les|los|las|me|nos|selo|sela)?"
                      r"|sos|vos|tus?|te|pedile|decile|fijate|dale|pasale)\b", re.I)
USER_FACING = ("app/**/*.py", "templates/**/*.html", "static/js/app.js")


def test_the_user_is_addressed_as_usted_everywhere():
    found = []
    for pattern in USER_FACING:
        for path in sorted(ROOT.glob(pattern)):
            if "app/demo/" in path.as_posix():  # what customers say in demo data is theirs
                continue
            for number, line in enumerate(path.read_text().splitlines(), 1):
                found += [f"{path.relative_to(ROOT)}:{number}: {m.group(0)}" for m in FAMILIAR.finditer(line)]
    assert found == [], "voseo/tuteo en el texto para el usuario:\n" + "\n".join(found)


def source_messages() -> set[str]:
    method_map = [("app/**.py", "python"), ("templates/**.html", "jinja2")]
    options = {"templates/**.html": {"extensions": "jinja2.ext.i18n"}}
    found = set()
    for _, _, message, _, _ in extract_from_dir(ROOT, method_map, options):
        found.add(message if isinstance(message, str) else message[0])
    return found


def mexican_catalog() -> dict[str, str]:
    with (ROOT / "app/locale/es_MX/LC_MESSAGES/messages.po").open("rb") as fh:
        return {m.id: m.string for m in read_po(fh) if m.id}


def test_every_argentine_word_in_the_ui_has_a_mexican_translation():
    catalog = mexican_catalog()
    untranslated = sorted(m for m in source_messages() if ARGENTINE.search(m) and not catalog.get(m))
    assert untranslated == [], f"falta su traducción en app/locale/es_MX: {untranslated}"


def test_mexican_translations_say_no_argentine_words():
    leaking = {k: v for k, v in mexican_catalog().items() if ARGENTINE.search(v)}
    assert leaking == {}


def test_no_stale_translations():
    stale = sorted(set(mexican_catalog()) - source_messages())
    assert stale == [], f"traducciones sin uso en el código: {stale}"


def test_the_active_branch_picks_the_words_and_formats():
    moment = dt.datetime(2026, 3, 2, 3, 30, tzinfo=dt.UTC)
    i18n.activate("es-AR", "America/Argentina/Buenos_Aires")
    assert i18n.gettext("Próximos turnos") == "Próximos turnos"
    assert (i18n.fecha(moment), i18n.hora(moment), i18n.numero(1234.5)) == ("02/03/2026", "00:30", "1.234,5")
    i18n.activate("es-MX", "America/Mexico_City")
    assert i18n.gettext("Próximos turnos") == "Próximas citas"
    # 03:30 UTC is still the 1st in Mexico City: dates are the branch's local ones.
    assert (i18n.fecha(moment), i18n.hora(moment), i18n.numero(1234.5)) == ("01/03/2026", "21:30", "1,234.5")
