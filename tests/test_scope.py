"""The one scoping helper: out of reach looks exactly like not there."""

from __future__ import annotations

import pytest

from app import scope
from app.auth.access import load_access
from app.errors import NotFound
from app.tables import Customer, User


async def access_of(user) -> object:
    return await load_access({"uid": user.id, "epoch": user.session_epoch}, "127.0.0.1")


async def test_a_row_of_the_users_branch_is_found(make):
    world = await make.world()
    customer = await make.customer(world.a)
    access = await access_of(world.users["coordinator"])
    assert (await scope.one(Customer, access, customer.id, Customer.name))["name"] == customer.name


@pytest.mark.parametrize("whose", ["b", "c"])  # another branch of the dealer; another dealer
async def test_rows_out_of_reach_are_not_found(make, whose):
    world = await make.world()
    customer = await make.customer(getattr(world, whose))
    access = await access_of(world.users["coordinator"])
    with pytest.raises(NotFound):
        await scope.one(Customer, access, customer.id)


@pytest.mark.parametrize("row_id", [0, -1, 2**31, 10**12])
async def test_ids_no_row_can_have_are_not_found_not_a_database_error(make, row_id):
    world = await make.world()
    with pytest.raises(NotFound):
        await scope.one(Customer, await access_of(world.users["admin"]), row_id)


async def test_users_are_scoped_by_dealer(make):
    world = await make.world()
    access = await access_of(world.users["admin"])
    assert (await scope.one(User, access, world.users["advisor"].id, User.role))["role"] == "advisor"
    with pytest.raises(NotFound):
        await scope.one(User, access, world.users["other_dealer_admin"].id)
