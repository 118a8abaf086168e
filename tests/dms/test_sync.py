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
