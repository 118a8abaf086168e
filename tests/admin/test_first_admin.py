"""A real installation without the demo: `python -m app user add --admin`
creates the first admin (and the dealer); he signs in and sets up the rest in /admin."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from app.admin.commands import Refused, add_user_from_command_line
from app.config import ROOT
from app.tables import Branch, Dealer, User
from tests.admin.helpers import branch_form, events
from tests.http import text_of

PASSWORD = "mate-con-facturas"


def cli(env: dict[str, str], *args: str, password: str = PASSWORD) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "app", *args], cwd=ROOT, env=env, input=password + "\n",
                          capture_output=True, text=True, timeout=60)


def test_on_an_empty_database(tmp_path):
    env = os.environ | {"DATABASE_URL": f"sqlite:///{tmp_path / 'nueva.sqlite'}", "RETORNO_VAR_DIR": str(tmp_path)}
    first = ("user", "add", "--admin", "--username", "primera", "--name", "Primera Administradora",
             "--dealer", "Autos del Norte", "--password-stdin")
    not_ready = cli(env, *first)
    assert not_ready.returncode == 2 and "python -m app migrate" in not_ready.stderr
    assert cli(env, "migrate").returncode == 0
    coordinator = cli(env, "user", "add", "--username", "coordi", "--name", "Coordinadora", "--password-stdin")
    assert coordinator.returncode == 2 and "administrador" in coordinator.stderr
    created = cli(env, *first)
    assert created.returncode == 0, created.stderr
    assert "primera" in created.stdout and "Autos del Norte" in created.stdout and "/admin" in created.stdout
    again = cli(env, *first)
    assert again.returncode == 2 and "Ya existe el usuario primera" in again.stderr
    weak = cli(env, "user", "add", "--admin", "--username", "otra", "--name", "Otra", "--password-stdin",
               password="corta")
    assert weak.returncode != 0 and "10 caracteres" in weak.stderr


async def test_the_first_admin_sets_up_the_dealer_from_admin(app, as_user, make):
    name = f"Autos del Sur {make.serial()}"  # the session's database already holds other dealers
    username = f"primera{make.serial()}"
    message = await add_user_from_command_line(username=username, full_name="Primera Administradora", role="admin",
                                               password=PASSWORD, email="", branch_codes=[], dealer_name=name,
                                               new_dealer=True)
    assert username in message and name in message
    dealer = await Dealer.select(Dealer.id).where(Dealer.name == name).first()
    admin_row = await User.select(User.id, User.role).where(User.username == username).first()
    assert admin_row["role"] == "admin"
    [created] = await events("dealer.create", dealer["id"])
    assert created["username"] == "linea-de-comandos"
    assert (await events("user.create", admin_row["id"]))[0]["dealer"] == dealer["id"]

    admin = await as_user(username, PASSWORD)
    home = await admin.get("/")
    assert 'data-test="no-branch"' in home.text and "/admin/sucursales" in home.text
    landing = await admin.get("/admin")
    assert 'data-test="first-steps"' in landing.text
    form = branch_form(name="Rosario — Centro")
    assert (await admin.post("/admin/sucursales/nueva", data=form)).status_code == 303
    branch = await Branch.select(Branch.id, Branch.dealer).where(Branch.code == form["code"]).first()
    assert branch["dealer"] == dealer["id"]
    coordinator = f"coordi{make.serial()}"
    response = await admin.post("/admin/usuarios/nuevo", data={
        "username": coordinator, "full_name": "Coordinadora", "role": "coordinator", "branch_ids": str(branch["id"]),
        "password": PASSWORD, "password_again": PASSWORD})
    assert response.status_code == 303
    board = await (await as_user(coordinator, PASSWORD)).get("/")
    assert text_of(board.text, "branch-name") == ["Rosario — Centro"]


async def test_the_command_line_says_what_is_missing(make):
    await make.dealer()  # several dealers exist
    with pytest.raises(Refused, match="--dealer"):
        await add_user_from_command_line(username=f"x{make.serial()}", full_name="X", role="admin",
                                         password=PASSWORD, email="", branch_codes=[], dealer_name=None)
    dealer = await make.dealer()
    branch = await make.branch(dealer)
    with pytest.raises(Refused, match="Sucursal desconocida: zz9"):
        await add_user_from_command_line(username=f"x{make.serial()}", full_name="X", role="advisor",
                                         password=PASSWORD, email="", branch_codes=["zz9"], dealer_name=dealer.name)
    with pytest.raises(Refused, match="No existe el concesionario"):
        await add_user_from_command_line(username=f"x{make.serial()}", full_name="X", role="advisor",
                                         password=PASSWORD, email="", branch_codes=[], dealer_name="Nadie S.A.")
    with pytest.raises(Refused, match="--new-dealer"):  # a mistyped dealer must not start an empty one
        await add_user_from_command_line(username=f"x{make.serial()}", full_name="X", role="admin",
                                         password=PASSWORD, email="", branch_codes=[], dealer_name=dealer.name + "x")
    username = f"asesor{make.serial()}"
    await add_user_from_command_line(username=username, full_name="Asesor", role="advisor", password=PASSWORD,
                                     email="asesor@example.com", branch_codes=[branch.code], dealer_name=dealer.name)
    assert await User.exists().where((User.username == username) & (User.dealer == dealer.id))
