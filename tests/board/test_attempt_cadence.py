"""The attempt cadence: the next call proposed in a slot not tried yet; the last unanswered call closes the
opportunity as "sin contacto" and sends the fallback by itself — the e-mail through the outbox, or a letter
to print in Cartas when there is no address (or the customer said no to e-mail)."""

from __future__ import annotations

import re

from app.messaging.outbox import sweep_outbox
from app.rules.opportunities import next_slot
from app.tables import OutboxMessage
from tests.board.test_opportunities import HX, audits, board, htmx, local, opp, outcome_id, tab_counts
from tests.http import text_of


def test_the_next_slot_is_one_not_tried_yet():
    assert next_slot([], "afternoon") == "afternoon"
    assert next_slot(["morning", "midday"], "morning") == "afternoon"
    assert next_slot(["afternoon"], "afternoon") == "evening"
    assert next_slot(["evening", "morning"], "evening") == "midday"
    assert next_slot(["morning", "midday", "afternoon", "evening", "morning"], "morning") == "midday"


async def _call(b, row, version, slot="morning", outcome="No contesta"):
    return await b.client.post(f"/oportunidades/{row.id}/intento", headers=htmx("vencidas"), data={
        "version": str(version), "outcome_id": str(await outcome_id(b.branch, outcome)), "time_slot": slot,
        "channel": "phone"})


async def test_the_form_says_which_slots_were_tried_and_proposes_another(as_user, make):
    b = await board(make, as_user, attempt_limit=5)
    row = await make.opportunity(b.branch, due_at=local(-1, b.tz))
    await _call(b, row, 1, "morning")
    await _call(b, row, 2, "midday")
    form = (await b.client.get(f"/oportunidades/{row.id}/intento", headers=HX)).text
    assert "Franjas ya probadas: mañana, mediodía." in form
    proposed = re.search(r'name="time_slot" value="(\w+)" checked', form).group(1)
    assert proposed in ("afternoon", "evening")
    assert text_of(form, "proposed-slot")[0].endswith({"afternoon": "tarde.", "evening": "noche."}[proposed])


async def test_the_last_unanswered_call_sends_the_fallback_email(as_user, make):
    b = await board(make, as_user, attempt_limit=3, bookings_phone="+541148005000",
                    promotion_text="10 % en el service de 30.000 km hasta fin de mes.")
    customer = await make.customer(b.branch, name="Lucía Fernández", email="lucia@example.com")
    row = await make.opportunity(b.branch, customer=customer, vehicle=await make.vehicle(b.branch, owner=customer),
                                 due_at=local(-1, b.tz), reason="Service de 20.000 km")
    for version, slot in ((1, "morning"), (2, "afternoon")):
        assert (await _call(b, row, version, slot)).status_code == 200
    last = await _call(b, row, 3, "evening")
    assert last.status_code == 200, last.text[:400]
    assert "Quedó sin contacto: se le envía el e-mail" in text_of(last.text, "result")[0]
    after = await opp(row.id)
    assert (after["status"], after["attempt_count"]) == ("no_contact", 3) and after["closed_at"] is not None
    message = await OutboxMessage.select().where(
        (OutboxMessage.entity == "opportunity") & (OutboxMessage.entity_id == row.id)).first()
    assert (message["channel"], message["recipient"]) == ("email", "lucia@example.com")
    assert "Service de 20.000 km" in message["body_text"] and "11 4800-5000" in message["body_text"]
    assert "10 % en el service de 30.000 km" in message["body_text"]
    assert (await audits(row.id))[-1]["after"]["fallback"] == "email"
    assert tab_counts(last.text)["vencidas"] == 0  # off the board
    again = await _call(b, row, after["version"])
    assert again.status_code == 422 and "quedó sin contacto" in text_of(again.text, "result")[0]


async def test_without_email_the_fallback_is_a_letter_to_print(as_user, make):
    b = await board(make, as_user, attempt_limit=2)
    customer = await make.customer(b.branch, name="Ramón Ortiz", email="", street="Av. Rivadavia 5000",
                                   city="CABA", postal_code="C1406")
    opted_out = await make.customer(b.branch, name="Ana Paz", email="ana@example.com", email_opt_out=True)
    rows = [await make.opportunity(b.branch, customer=c, vehicle=await make.vehicle(b.branch, owner=c),
                                   due_at=local(-1, b.tz)) for c in (customer, opted_out)]
    for row in rows:
        await _call(b, row, 1)
        last = await _call(b, row, 2, "afternoon")
        assert "la carta está lista para imprimir en Cartas" in text_of(last.text, "result")[0]
    await sweep_outbox({})  # letters are not e-mailed by the outbox job
    letters = await OutboxMessage.select().where(OutboxMessage.entity_id.is_in([r.id for r in rows])
                                                 & (OutboxMessage.entity == "opportunity"))
    assert {(m["channel"], m["status"]) for m in letters} == {("letter", "pending")}
    page = (await b.client.get("/cartas")).text
    assert len(text_of(page, "letter")) == 2 and "Av. Rivadavia 5000" in page and "C1406 CABA" in page
    printed = await b.client.post("/cartas/impresas", data={"letter_id": [m["id"] for m in letters]})
    assert printed.status_code == 303
    assert {m["status"] for m in await OutboxMessage.select(OutboxMessage.status).where(
        OutboxMessage.id.is_in([m["id"] for m in letters]))} == {"sent"}
    assert 'data-test="no-letters"' in (await b.client.get("/cartas")).text


async def test_an_answered_last_call_is_not_sin_contacto(as_user, make):
    b = await board(make, as_user, attempt_limit=1)
    row = await make.opportunity(b.branch, due_at=local(-1, b.tz))
    response = await _call(b, row, 1, outcome="Contactado: lo va a pensar")
    assert "Se llegó al límite de intentos" in text_of(response.text, "result")[0]
    assert (await opp(row.id))["status"] == "open"
    assert await OutboxMessage.count().where((OutboxMessage.entity == "opportunity")
                                             & (OutboxMessage.entity_id == row.id)) == 0


async def test_letters_of_another_branch_are_not_printed_here(as_user, make):
    b = await board(make, as_user, attempt_limit=1)
    other = await board(make, as_user, attempt_limit=1)
    customer = await make.customer(other.branch, email="")
    row = await make.opportunity(other.branch, customer=customer,
                                 vehicle=await make.vehicle(other.branch, owner=customer), due_at=local(-1, other.tz))
    await _call(other, row, 1)
    letter = await OutboxMessage.select(OutboxMessage.id).where(OutboxMessage.entity_id == row.id).first()
    assert 'data-test="letter"' not in (await b.client.get("/cartas")).text
    await b.client.post("/cartas/impresas", data={"letter_id": [letter["id"]]})
    assert (await OutboxMessage.select(OutboxMessage.status).where(OutboxMessage.id == letter["id"]).first())[
        "status"] == "pending"
