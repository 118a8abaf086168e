"""Scheduled sync: a folder the DMS drops its exports into, and a URL; each new file imported once."""

from __future__ import annotations

import shutil
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from app.dms import sync
from app.tables import ImportJob, RepairOrder, SyncSource

CSV = Path(__file__).parent.parent / "fixtures" / "ordenes_cp1252_punto_y_coma.csv"


async def _source(branch, location: str) -> int:
    row = SyncSource(branch=branch.id, kind="repair_orders", location=location, every_minutes=60)
    await row.save()
    return row.id


async def test_a_folder_source_imports_each_new_file_once(make, tmp_path):
    branch = await make.branch(country="AR")
    shutil.copy(CSV, tmp_path / "ordenes.csv")
    (tmp_path / "leeme.pdf").write_bytes(b"%PDF")  # not an export: ignored
    await _source(branch, str(tmp_path))
    assert await sync.sync_sources({}) >= 1
    jobs = await ImportJob.select().where(ImportJob.branch == branch.id)
    assert [(j["source"], j["status"], j["created_count"]) for j in jobs] == [("sync", "done", 4)]
    source = await SyncSource.select().where(SyncSource.branch == branch.id).first()
    assert "1 archivo" in source["last_status"]
    await SyncSource.update({SyncSource.last_run_at: None}).where(SyncSource.branch == branch.id)
    await sync.sync_sources({})  # due again: the same file is not imported twice
    assert await ImportJob.count().where(ImportJob.branch == branch.id) == 1
    assert await RepairOrder.count().where(RepairOrder.branch == branch.id) == 4


async def test_an_url_source_and_a_missing_folder(make):
    branch = await make.branch(country="AR")
    content = CSV.read_bytes()

    class Export(BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200)
            self.send_header("Content-Type", "text/csv")
            self.end_headers()
            self.wfile.write(content)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Export)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        status = await sync.run_source({"id": await _source(branch, f"http://127.0.0.1:{server.server_port}/or.csv"),
                                        "branch": branch.id, "kind": "repair_orders",
                                        "location": f"http://127.0.0.1:{server.server_port}/or.csv"})
    finally:
        server.shutdown()
    assert status.startswith("1 archivo")
    assert await RepairOrder.count().where(RepairOrder.branch == branch.id) == 4
    missing = await sync.run_source({"id": 0, "branch": branch.id, "kind": "repair_orders",
                                     "location": "/no/existe"})
    assert "No existe la carpeta" in missing


# --- /admin/sincronizacion ----------------------------------------------------------------------


async def test_an_admin_adds_pauses_resumes_and_runs_a_source(as_user, make, monkeypatch, tmp_path):
    import asyncio
    import dataclasses

    from app.config import get_settings

    world = await make.world()
    settings = dataclasses.replace(get_settings(), sync_folder_root=tmp_path.resolve())
    monkeypatch.setattr(sync, "get_settings", lambda: settings)
    (tmp_path / "taller").mkdir()
    shutil.copy(CSV, tmp_path / "taller" / "ordenes.csv")
    client = await as_user(world.users["admin"].username)
    page = await client.get("/admin/sincronizacion")
    assert page.status_code == 200 and 'data-test="no-sources"' in page.text
    added = await client.post("/admin/sincronizacion", data={
        "branch_id": world.a.id, "kind": "repair_orders", "name": "Órdenes del taller", "location": "taller",
        "every_minutes": "30"})
    assert added.status_code == 303
    source = await SyncSource.select().where(SyncSource.branch == world.a.id).first()
    assert (source["location"], source["every_minutes"], source["active"]) == (
        str(tmp_path.resolve() / "taller"), 30, True)

    assert (await client.post(f"/admin/sincronizacion/{source['id']}/pausar")).status_code == 303
    assert (await SyncSource.select(SyncSource.active).where(SyncSource.id == source["id"]).first())["active"] is False
    resumed = await client.post(f"/admin/sincronizacion/{source['id']}/reanudar", headers={"HX-Request": "true"})
    assert resumed.status_code == 200 and "Origen reanudado" in resumed.text

    await client.post(f"/admin/sincronizacion/{source['id']}/revisar")
    for _ in range(100):
        row = await SyncSource.select().where(SyncSource.id == source["id"]).first()
        if row["last_run_at"] is not None:
            break
        await asyncio.sleep(0.05)
    assert row["last_status"].startswith("1 archivo")
    assert await RepairOrder.count().where(RepairOrder.branch == world.a.id) == 4
    listed = (await client.get("/admin/sincronizacion")).text
    assert "Órdenes del taller" in listed and "1 archivo(s) nuevo(s)" in listed


async def test_bad_sources_are_refused_in_spanish(as_user, make, monkeypatch, tmp_path):
    import dataclasses

    from app.config import get_settings

    world = await make.world()
    client = await as_user(world.users["admin"].username)
    base = {"branch_id": world.a.id, "kind": "repair_orders", "every_minutes": "60"}
    no_root = dataclasses.replace(get_settings(), sync_folder_root=None)
    monkeypatch.setattr(sync, "get_settings", lambda: no_root)
    cases = [
        ({"location": "/etc"}, "SYNC_FOLDER_ROOT"),
        ({"location": "ftp://dms/x.csv"}, "http(s)://"),
        ({"location": "https://dms.example.com/x.csv", "every_minutes": "1"}, "Entre 5 y 1440 minutos"),
        ({"location": "https://dms.example.com/x.csv", "kind": "facturas"}, "Elija qué contiene"),
        ({"location": "https://dms.example.com/x.csv", "branch_id": world.c.id}, "Elija una de sus sucursales"),
    ]
    for change, message in cases:
        response = await client.post("/admin/sincronizacion", data=base | change)
        assert response.status_code == 422 and message in response.text, (change, response.status_code)
    root = dataclasses.replace(get_settings(), sync_folder_root=tmp_path.resolve())
    monkeypatch.setattr(sync, "get_settings", lambda: root)
    outside = await client.post("/admin/sincronizacion", data=base | {"location": "../../etc"})
    assert outside.status_code == 422 and "debe estar dentro de" in outside.text
    assert await SyncSource.count().where(SyncSource.branch.is_in([world.a.id, world.c.id])) == 0


async def test_sources_are_for_admins_of_their_dealer(as_user, make):
    world = await make.world()
    other = await _source(world.c, "https://dms.example.com/x.csv")
    admin = await as_user(world.users["admin"].username)
    for action in ("pausar", "reanudar", "revisar"):
        assert (await admin.post(f"/admin/sincronizacion/{other}/{action}")).status_code == 404
    assert "dms.example.com" not in (await admin.get("/admin/sincronizacion")).text
    manager = await as_user(world.users["manager"].username)
    assert (await manager.get("/admin/sincronizacion")).status_code == 403
    assert (await SyncSource.select(SyncSource.active).where(SyncSource.id == other).first())["active"] is True
