"""Ver cliente: the customer's whole story, and nothing of anyone else's."""

from __future__ import annotations

import datetime as dt

from app import db
from app.tables import CallOutcome, Delivery, RepairOrder

DAY = dt.timedelta(days=1)


def ago(days: int) -> dt.datetime:
    return dt.datetime.now(dt.UTC) - days * DAY


async def story(make, branch):
    customer = await make.customer(branch, name="Lucía Fernández")
    vehicle = await make.vehicle(branch, owner=customer, plate="AC123BD", model="Taos")
    second = await make.vehicle(branch, owner=customer, plate="AD456CE", model="Amarok")
    outcome = await CallOutcome.select(CallOutcome.id).where(CallOutcome.branch == branch.id).first()
    old = await make.repair_order(branch, vehicle=vehicle, opened_at=ago(200), status="delivered",
                                  delivered_at=ago(199), number="OR-100")
    last = await make.repair_order(branch, vehicle=vehicle, opened_at=ago(20), status="delivered",
                                   delivered_at=ago(19), number="OR-200", courtesy_call_status="done",
                                   courtesy_call_outcome=outcome["id"], courtesy_call_comment="Conforme con todo")
    await RepairOrder.update({RepairOrder.total_amount: 150000}).where(RepairOrder.id == last.id)
    await make.repair_order_line(last, description="Service de 20.000 km", incident="Pastillas al 30 %")
    await make.repair_order_line(last, line_no=2, description="Cambio de pastillas", approval="declined",
                                 follow_up_on=(ago(-30)).date())
    await make.repair_order_line(old, description="Service de 10.000 km")
    await make.delivery(branch, vehicle=second, delivered_at=ago(300), welcome_call_status="done",
                        welcome_call_comment="Feliz con la camioneta")
    opp = await make.opportunity(branch, vehicle=vehicle, due_at=ago(-3), reason="Cambio de pastillas pendiente")
    await make.contact_attempt(opp, outcome=outcome["id"], comment="Pidió que llamen el lunes")
    await make.appointment(branch, vehicle=vehicle, starts_at=ago(-5), confirmation_comment="Viene temprano",
                           status="confirmed")
    return customer, vehicle


async def test_the_whole_story_of_one_customer(as_user, make):
    world = await make.world()
    customer, _ = await story(make, world.a)
    stranger = await make.customer(world.a, name="Otro Cliente")
    await make.repair_order(world.a, vehicle=await make.vehicle(world.a, owner=stranger), number="OR-AJENA")
    client = await as_user(world.users["advisor"].username)
    response = await client.get(f"/clientes/{customer.id}")
    assert response.status_code == 200
    page = response.text
    for text in ("Lucía Fernández", "AC123BD", "AD456CE", "OR-100", "OR-200", "Service de 20.000 km",
                 "Pastillas al 30 %", "Cambio de pastillas", "No autorizado", "Conforme con todo",
                 "Feliz con la camioneta", "Cambio de pastillas pendiente", "Pidió que llamen el lunes",
                 "Viene temprano"):
        assert text in page, text
    assert "OR-AJENA" not in page and "Otro Cliente" not in page
    # The last service is the newest visit, listed first.
    assert page.index("Último servicio") < page.index("OR-200") < page.index("OR-100")


async def test_another_branch_or_dealer_is_not_found(as_user, make):
    world = await make.world()
    theirs = await make.customer(world.b)
    other_dealer = await make.customer(world.c)
    client = await as_user(world.users["coordinator"].username)
    assert (await client.get(f"/clientes/{theirs.id}")).status_code == 404
    assert (await client.get(f"/clientes/{other_dealer.id}")).status_code == 404
    assert (await client.get("/clientes/2147483000")).status_code == 404
    admin = await as_user(world.users["admin"].username)
    assert (await admin.get(f"/clientes/{theirs.id}")).status_code == 200
    assert (await admin.get(f"/clientes/{other_dealer.id}")).status_code == 404


async def test_what_the_dms_wrote_is_escaped(as_user, make):
    world = await make.world()
    customer = await make.customer(world.a, name="<script>alert(1)</script>", notes="<b>VIP</b>")
    order = await make.repair_order(world.a, vehicle=await make.vehicle(world.a, owner=customer))
    await make.repair_order_line(order, description="<img src=x onerror=alert(1)>")
    client = await as_user(world.users["coordinator"].username)
    page = (await client.get(f"/clientes/{customer.id}")).text
    assert "<script>alert(1)" not in page and "<img src=x" not in page and "<b>VIP</b>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


async def test_the_number_of_statements_does_not_grow_with_the_history(as_user, make, monkeypatch):
    world = await make.world()
    customer, vehicle = await story(make, world.a)
    client = await as_user(world.users["coordinator"].username)
    statements: list[str] = []
    real_fetch = db.fetch

    async def counting(sql, *args):
        statements.append(sql)
        return await real_fetch(sql, *args)

    monkeypatch.setattr(db, "fetch", counting)
    await client.get(f"/clientes/{customer.id}")
    before = len(statements)
    for n in range(6):
        order = await make.repair_order(world.a, vehicle=vehicle, number=f"OR-EXTRA-{n}")
        await make.repair_order_line(order)
        await make.delivery(world.a, vehicle=vehicle)
    statements.clear()
    response = await client.get(f"/clientes/{customer.id}")
    assert "OR-EXTRA-5" in response.text
    assert len(statements) == before
    assert await Delivery.count().where(Delivery.vehicle == vehicle.id) == 6
