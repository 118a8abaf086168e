"""/importar over HTTP: upload, mapping (remembered), the run, the report and its download;
/admin/claves-api: a key shown once."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

from app.tables import ApiKey, ImportMapping
from tests.http import text_of

FIXTURES = Path(__file__).parent.parent / "fixtures"
CSV = "ordenes_cp1252_punto_y_coma.csv"


async def _world(make):
    branch = await make.branch(country="AR")
    manager = await make.user("manager", [branch])
    return branch, manager


async def _upload(client, name=CSV, data=None, kind="repair_orders"):
    return await client.post("/importar", data={"kind": kind},
                             files={"file": (name, data if data is not None else (FIXTURES / name).read_bytes(),
                                             "text/csv")})


async def _finished(client, path: str) -> str:
    for _ in range(200):
        page = (await client.get(path)).text
        if re.search(r'data-status="(done|failed|cancelled)"', page):
            return page
        await asyncio.sleep(0.05)
    raise AssertionError("la importación no terminó")


async def test_upload_map_run_and_report(as_user, make):
    branch, manager = await _world(make)
    client = await as_user(manager.username)
    uploaded = await _upload(client)
    assert uploaded.status_code == 303, uploaded.text[:500]
    path = uploaded.headers["location"]
    mapping_page = (await client.get(path)).text
    assert 'data-test="mapping-form"' in mapping_page and "Muñoz, Ana" in mapping_page
    assert re.search(r'name="map-dms_id".*?<option value="Nro OR" selected', mapping_page, re.S)
    assert "Falta el número de orden" in mapping_page  # the preview already says which row will be refused
    form = dict(re.findall(r'name="(map-[a-z_]+)".*?<option value="([^"]*)" selected', mapping_page, re.S))
    started = await client.post(f"{path}/mapeo", data=form)
    assert started.status_code == 303
    report = await _finished(client, path)
    assert text_of(report, "created") == ["4"] and text_of(report, "rejected") == ["4"]
    assert len(text_of(report, "rejection")) == 4
    download = await client.get(f"{path}/rechazos.csv")
    assert download.status_code == 200 and download.content.startswith(b"\xef\xbb\xbf")
    assert "31/02/2026" in download.content.decode("utf-8-sig")
    saved = await ImportMapping.select(ImportMapping.mapping).where(ImportMapping.branch == branch.id).output(
        load_json=True).first()
    assert saved["mapping"]["opened_at"] == "Fecha Apertura"
    again = await _upload(client)
    page = (await client.get(again.headers["location"])).text
    assert 'data-test="same-file"' in page


async def test_missing_required_columns_are_refused_with_a_message(as_user, make):
    _, manager = await _world(make)
    client = await as_user(manager.username)
    path = (await _upload(client)).headers["location"]
    refused = await client.post(f"{path}/mapeo", data={"map-dms_id": "Nro OR"})
    assert refused.status_code == 422 and "Fecha de apertura" in refused.text


async def test_an_unreadable_file_is_refused_on_the_upload_form(as_user, make):
    _, manager = await _world(make)
    client = await as_user(manager.username)
    refused = await _upload(client, "comillas_rotas.csv")
    assert refused.status_code == 422 and "comillas" in " ".join(text_of(refused.text, "file-error"))
    too_big = await _upload(client, "grande.csv", b"a;b\n" + b"1;2\n" * 6_000_000)
    assert too_big.status_code in (413, 422)


async def test_coordinators_do_not_import(as_user, make):
    branch, _ = await _world(make)
    coordinator = await make.user("coordinator", [branch])
    client = await as_user(coordinator.username)
    assert (await client.get("/importar")).status_code == 403


async def test_an_api_key_is_shown_once_and_kept_hashed(as_user, make):
    branch = await make.branch(country="AR")
    admin = await make.user("admin", dealer=branch.dealer)
    client = await as_user(admin.username)
    created = await client.post("/admin/claves-api", data={"branch_id": branch.id, "name": "DMS taller"})
    key = text_of(created.text, "new-key-value")[0]
    assert key.startswith("rk_") and len(key) > 40
    row = await ApiKey.select().where(ApiKey.branch == branch.id).first()
    assert row["key_hash"] != key and key not in (await client.get("/admin/claves-api")).text
    assert row["prefix"] in (await client.get("/admin/claves-api")).text


async def test_another_branch_cannot_be_imported_into(as_user, make):
    branch, manager = await _world(make)
    other = await make.branch(branch.dealer, country="AR")
    client = await as_user(manager.username)
    refused = await client.post("/importar", data={"kind": "repair_orders", "branch_id": str(other.id)},
                                files={"file": (CSV, (FIXTURES / CSV).read_bytes(), "text/csv")})
    assert refused.status_code == 422 and "Elija una de sus sucursales" in refused.text
