"""Command line: python -m app serve | migrate | demo | worker | user | apikey | import …

Messages are Spanish: installers and dealer staff read them.
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import os
import sys
from collections.abc import Awaitable, Callable
from typing import Any

from app.config import ConfigError, get_settings


def _with_db(work: Callable[[], Awaitable[Any]]) -> Any:
    from app import db

    async def run() -> Any:
        await db.start()
        try:
            return await work()
        finally:
            await db.stop()

    return asyncio.run(run())


def cmd_migrate(args: argparse.Namespace) -> int:
    from app import db

    _with_db(db.run_migrations)
    print("Base de datos al día.")
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from app import demo

    result = _with_db(lambda: demo.load(reset=args.reset, if_empty=args.if_empty))
    print(result.message)
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from app import db, demo

    settings = get_settings()

    async def banner_info() -> tuple[list[str], bool]:
        return await db.pending_migrations(), bool(await demo.demo_dealer_id())

    pending, has_demo = _with_db(banner_info)
    if pending:
        print(f"Faltan migraciones ({len(pending)}): ejecute `python -m app migrate`.", file=sys.stderr)
        return 2
    host, port = args.host or os.environ.get("HOST", "127.0.0.1"), int(args.port or os.environ.get("PORT", 8000))
    print(f"\n  Retorno en http://{host}:{port}  ({settings.env}, "
          f"{'PostgreSQL' if settings.is_postgres else 'SQLite'}, "
          f"trabajos {'en Redis (arq)' if settings.redis_url else 'en el mismo proceso'})")
    if has_demo:
        print(f"\n  Usuarios de demostración (contraseña: {demo.PASSWORD}):")
        for username, name, where in demo.logins():
            print(f"    {username:<16} {name:<22} {where}")
    print()
    uvicorn.run(
        "app.asgi:create_app", factory=True, host=host, port=port, workers=args.workers,
        timeout_graceful_shutdown=2,  # an open SSE stream must not block shutdown (STACK-NOTES §3)
        proxy_headers=True, forwarded_allow_ips=os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1"),
        access_log=args.access_log, log_level="info",
    )
    return 0


def cmd_worker(args: argparse.Namespace) -> int:
    import logging.config

    from arq.logs import default_log_config
    from arq.worker import run_worker

    from app import jobs

    settings = get_settings()
    if not settings.redis_url:
        print("El worker necesita REDIS_URL; sin Redis los trabajos corren dentro de `serve`.", file=sys.stderr)
        return 2
    logging.config.dictConfig(default_log_config(verbose=False))  # what arq's own CLI logs
    run_worker(jobs.WorkerSettings, redis_settings=jobs.redis_settings(settings),  # type: ignore[arg-type]
               queue_name=settings.job_queue)
    return 0


def _read_password(args: argparse.Namespace, username: str) -> str:
    from app.auth.passwords import weakness

    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = getpass.getpass("Contraseña: ")
        if getpass.getpass("Repetila: ") != password:
            raise SystemExit("Las contraseñas no coinciden.")
    if reason := weakness(password, username):
        raise SystemExit(reason)
    return password


def cmd_user_add(args: argparse.Namespace) -> int:
    from app.admin import commands as admin

    role = "admin" if args.admin else args.role
    username = args.username or input("Usuario: ").strip()
    full_name = args.name or input("Nombre y apellido: ").strip()
    password = _read_password(args, username)
    try:
        created = _with_db(lambda: admin.add_user_from_command_line(
            username=username, full_name=full_name, role=role, password=password, email=args.email or "",
            branch_codes=args.branch or [], dealer_name=args.dealer, new_dealer=args.new_dealer,
        ))
    except admin.Refused as error:
        print(str(error), file=sys.stderr)
        return 2
    print(created)
    return 0


def _branch_id(code: str) -> int:
    from app.tables import Branch

    async def find() -> int | None:
        row = await Branch.select(Branch.id).where(Branch.code == code).first()
        return row["id"] if row else None

    branch_id = _with_db(find)
    if branch_id is None:
        raise SystemExit(f"No existe la sucursal «{code}».")
    return branch_id


def cmd_apikey(args: argparse.Namespace) -> int:
    from app.audit import Actor
    from app.dms import api_keys

    actor = Actor(None, "línea de comandos", None)
    if args.action == "create":
        branch_id = _branch_id(args.branch)
        new = _with_db(lambda: api_keys.create(branch_id, args.name or "", actor))
        print(f"Clave de API para la sucursal {new.branch_code} (se muestra una sola vez; guárdela ahora):")
        print(f"\n  {new.key}\n")
        print("Úsela en el encabezado X-Api-Key de /api/v1/… (documentación en /schema).")
        return 0
    if args.action == "list":
        scope = frozenset({_branch_id(args.branch)}) if args.branch else None
        keys = _with_db(lambda: api_keys.listed(scope))
        if not keys:
            print("No hay claves de API.")
        for k in keys:
            used = k["last_used_at"].strftime("%d/%m/%Y %H:%M") if k["last_used_at"] else "nunca"
            state = "revocada" if k["revoked_at"] else "activa"
            print(f"{k['id']:>5}  {k['branch_code']:<10} {k['prefix']}…  {state:<9} último uso: {used}  {k['name']}")
        return 0
    revoked = _with_db(lambda: api_keys.revoke(args.id, None, actor))
    print("Clave revocada: deja de funcionar desde ya." if revoked else "No hay una clave activa con ese número.")
    return 0 if revoked else 1


def cmd_display(args: argparse.Namespace) -> int:
    from app.audit import Actor
    from app.display import tokens

    actor = Actor(None, "línea de comandos", None)
    if args.action == "create":
        branch_id = _branch_id(args.branch)
        new = _with_db(lambda: tokens.create(branch_id, args.name or "", actor))
        base = (args.base_url or "http://127.0.0.1:8000").rstrip("/")
        print(f"Enlace de pantalla para la sucursal {new.branch_code} (se muestra una sola vez; guárdelo ahora):")
        print(f"\n  {base}/pantalla/{new.token}\n")
        print("Ábralo en el navegador del televisor, en pantalla completa.")
        return 0
    if args.action == "list":
        scope = frozenset({_branch_id(args.branch)}) if args.branch else None
        links = _with_db(lambda: tokens.listed(scope))
        if not links:
            print("No hay enlaces de pantalla.")
        for link in links:
            seen = link["last_seen_at"].strftime("%d/%m/%Y %H:%M") if link["last_seen_at"] else "nunca"
            state = "revocado" if link["revoked_at"] else "activo"
            print(f"{link['id']:>5}  {link['branch_code']:<10} {link['prefix']}…  {state:<9} última conexión: {seen}  "
                  f"{link['name']}")
        return 0
    revoked = _with_db(lambda: tokens.revoke(args.id, None, actor))
    print("Enlace revocado: la pantalla se apaga en segundos." if revoked
          else "No hay un enlace activo con ese número.")
    return 0 if revoked else 1


def cmd_import(args: argparse.Namespace) -> int:
    import json
    from pathlib import Path

    from app.dms import fields, imports
    from app.dms.files import FileRefused
    from app.dms.report import text_report

    branch_id = _branch_id(args.branch)
    path = Path(args.file)
    if not path.is_file():
        raise SystemExit(f"No existe el archivo {path}.")
    mapping = json.loads(Path(args.mapping).read_text(encoding="utf-8")) if args.mapping else None

    content = path.read_bytes()

    async def run() -> int:
        try:
            upload = await imports.create_job(branch_id, args.kind, path.name, content, user_id=None)
        except FileRefused as refused:
            print(str(refused), file=sys.stderr)
            return 2
        job = await imports.job_summary(upload.job_id)
        chosen = mapping if mapping is not None else job["mapping"]
        if missing := fields.required_missing(args.kind, chosen):
            print("Faltan columnas obligatorias en el mapeo: " + ", ".join(missing) + ".", file=sys.stderr)
            print("Columnas del archivo: " + "; ".join(job["headers"]), file=sys.stderr)
            return 2
        if upload.same_file_before:
            print(f"Este mismo archivo ya se importó el {upload.same_file_before:%d/%m/%Y %H:%M} (UTC).")
        await imports.confirm_mapping(upload.job_id, branch_id, args.kind, chosen, None)
        await imports.run_import({}, upload.job_id)
        job = await imports.job_summary(upload.job_id)
        print(text_report(job))
        return 1 if job["rejected_count"] or job["status"] != "done" else 0

    return int(_with_db(run))


def cmd_sync(args: argparse.Namespace) -> int:
    from app.dms import sync
    from app.tables import SyncSource

    if args.action == "add":
        from app.audit import Actor
        from app.errors import Invalid

        branch_id = _branch_id(args.branch)
        try:
            location, every = sync.checked_location(args.location, from_web=False), sync.checked_every(args.every)
        except Invalid as invalid:
            print(" ".join(invalid.errors.values()), file=sys.stderr)
            return 2
        actor = Actor(None, "línea de comandos", None)
        source_id = _with_db(lambda: sync.add_source(actor, branch_id, args.kind, args.name or "", location, every))
        print(f"Origen {source_id} creado: se revisa cada {every} minutos.")
        return 0
    if args.action == "list":
        sources = _with_db(lambda: SyncSource.select(SyncSource.all_columns(), SyncSource.branch.code))
        for s in sources:
            last = s["last_run_at"].strftime("%d/%m/%Y %H:%M") if s["last_run_at"] else "nunca"
            print(f"{s['id']:>4}  {s['branch.code']:<8} {s['kind']:<14} cada {s['every_minutes']} min  "
                  f"{s['location']}  último: {last} {s['last_status']}")
        return 0

    async def run_now() -> str:
        source = await SyncSource.select().where(SyncSource.id == args.id).first()
        return await sync.run_source(source) if source else "No existe ese origen."

    print(_with_db(run_now))
    return 0


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog="python -m app", description="Retorno: tablero de agendamiento activo.")
    sub = top.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="sirve la aplicación (HOST/PORT o --host/--port)")
    serve.add_argument("--host")
    serve.add_argument("--port", type=int)
    serve.add_argument("--workers", type=int, default=1)
    serve.add_argument("--access-log", action="store_true")
    serve.set_defaults(run=cmd_serve)

    sub.add_parser("migrate", help="aplica las migraciones pendientes").set_defaults(run=cmd_migrate)

    demo = sub.add_parser("demo", help="carga el concesionario de demostración")
    demo.add_argument("--reset", action="store_true", help="la borra y la vuelve a cargar con fechas de hoy")
    demo.add_argument("--if-empty", action="store_true", help="sólo si la base no tiene ningún concesionario")
    demo.set_defaults(run=cmd_demo)

    sub.add_parser("worker", help="procesa trabajos en segundo plano (requiere REDIS_URL)").set_defaults(
        run=cmd_worker)

    user = sub.add_parser("user", help="usuarios").add_subparsers(dest="action", required=True)
    add = user.add_parser("add", help="crea un usuario (el primero: --admin)")
    add.add_argument("--admin", action="store_true", help="rol administrador (alcanza todas las sucursales)")
    add.add_argument("--role", default="coordinator", choices=["advisor", "coordinator", "manager", "admin"])
    add.add_argument("--username")
    add.add_argument("--name", help="nombre y apellido")
    add.add_argument("--email")
    add.add_argument("--branch", action="append", help="código de sucursal (repetible)")
    add.add_argument("--dealer", help="nombre del concesionario (en una base vacía, el que se crea)")
    add.add_argument("--new-dealer", action="store_true", help="crea el concesionario --dealer aunque ya haya otros")
    add.add_argument("--password-stdin", action="store_true", help="lee la contraseña de la entrada estándar")
    add.set_defaults(run=cmd_user_add)

    apikey = sub.add_parser("apikey", help="claves de la API de ingesta del DMS").add_subparsers(
        dest="action", required=True)
    create = apikey.add_parser("create", help="crea una clave para una sucursal (se muestra una vez)")
    create.add_argument("--branch", required=True, help="código de sucursal")
    create.add_argument("--name", help="para qué es, p. ej. «DMS taller»")
    create.set_defaults(run=cmd_apikey)
    listing = apikey.add_parser("list", help="lista las claves")
    listing.add_argument("--branch", help="código de sucursal")
    listing.set_defaults(run=cmd_apikey)
    revoke = apikey.add_parser("revoke", help="revoca una clave por su número")
    revoke.add_argument("id", type=int)
    revoke.set_defaults(run=cmd_apikey)

    display = sub.add_parser("display", help="enlaces de la pantalla de recepción (/pantalla/…)").add_subparsers(
        dest="action", required=True)
    create = display.add_parser("create", help="crea un enlace para una sucursal (se muestra una vez)")
    create.add_argument("--branch", required=True, help="código de sucursal")
    create.add_argument("--name", help="dónde está el televisor")
    create.add_argument("--base-url", help="dirección del servidor, p. ej. https://retorno.concesionario.com.ar")
    create.set_defaults(run=cmd_display)
    listing = display.add_parser("list", help="lista los enlaces")
    listing.add_argument("--branch", help="código de sucursal")
    listing.set_defaults(run=cmd_display)
    revoke = display.add_parser("revoke", help="revoca un enlace por su número")
    revoke.add_argument("id", type=int)
    revoke.set_defaults(run=cmd_display)

    kinds = ["customers", "vehicles", "deliveries", "appointments", "repair_orders"]
    importing = sub.add_parser("import", help="importa un archivo CSV o XLSX del DMS (mismo informe que la web)")
    importing.add_argument("--branch", required=True, help="código de sucursal")
    importing.add_argument("--kind", required=True, choices=kinds)
    importing.add_argument("--mapping", help="JSON {campo: encabezado}; sin él, el mapeo guardado o sugerido")
    importing.add_argument("file")
    importing.set_defaults(run=cmd_import)

    syncing = sub.add_parser("sync", help="orígenes de sincronización programada (carpeta o URL)").add_subparsers(
        dest="action", required=True)
    adding = syncing.add_parser("add", help="agrega una carpeta o URL que se importa sola")
    adding.add_argument("--branch", required=True)
    adding.add_argument("--kind", required=True, choices=kinds)
    adding.add_argument("--location", required=True, help="carpeta del servidor o URL http(s) de un archivo")
    adding.add_argument("--every", type=int, default=60, help="minutos entre revisiones")
    adding.add_argument("--name")
    adding.set_defaults(run=cmd_sync)
    syncing.add_parser("list", help="lista los orígenes").set_defaults(run=cmd_sync)
    running = syncing.add_parser("run", help="revisa un origen ahora")
    running.add_argument("id", type=int)
    running.set_defaults(run=cmd_sync)
    return top


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        get_settings()
    except ConfigError as error:
        print(f"Configuración inválida: {error}", file=sys.stderr)
        return 2
    return int(args.run(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
