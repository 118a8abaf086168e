"""/admin: the settings of a real dealer. Admins keep the dealer, branches,
users and catalogs; a manager keeps his branches' contact data, windows and
service rules, and their catalogs.

Whole-page forms post to their own address and answer post/redirect/get
(the admin frame is hx-boost'ed, so htmx follows the same redirect); a bad
form comes back with status 422 and a message next to each field. Catalog
rows are swapped one by one with htmx.
"""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, get, post
from litestar.handlers import HTTPRouteHandler
from litestar.params import FromPath, FromQuery
from litestar.plugins.htmx import HTMXRequest
from litestar.response import Redirect, Template

from app.admin import commands, forms, queries
from app.admin.queries import OUTCOMES, REASONS, Catalog
from app.auth import sessions
from app.auth.access import ADMINS, MANAGERS, ROLE_NAMES, Access, CurrentAccess, allow
from app.errors import Invalid
from app.web import Form, page_or_partial, render

# ?aviso=… after a redirect: what the next page confirms.
NOTICES = {
    "guardado": "Cambios guardados.",
    "sucursal-creada": "Sucursal creada, con los motivos de descarte y resultados de llamado iniciales.",
    "sucursal-desactivada": "Sucursal desactivada: ya no aparece en el tablero de nadie.",
    "sucursal-reactivada": "Sucursal reactivada.",
    "usuario-creado": "Usuario creado. Entréguele su usuario y la contraseña inicial.",
    "clave": "Contraseña cambiada. Las sesiones abiertas de ese usuario se cerraron.",
    "desactivado": "Usuario desactivado. Sus sesiones abiertas se cerraron.",
    "reactivado": "Usuario reactivado: ya puede ingresar.",
}


def _done(url: str, notice: str = "guardado") -> Redirect:
    return Redirect(f"{url}?aviso={notice}", status_code=303)


# --- landing and dealer ----------------------------------------------------------------------------


class AdminRoutes(Controller):
    path = "/admin"

    @get("/", opt=allow(MANAGERS))
    async def index(self, request: HTMXRequest, access: CurrentAccess) -> Template:
        return page_or_partial(request, "admin/index.html", "admin/_index.html", section="inicio",
                               overview=await queries.overview(access))

    async def _dealer_page(self, request: HTMXRequest, access: Access, status_code: int = 200,
                           **context: Any) -> Template:
        dealer = await queries.dealer(access)
        context.setdefault("form", dealer)
        context.setdefault("errors", {})
        tax_label, tax_hint = forms.tax_id_help(await queries.dealer_countries(access))
        return page_or_partial(request, "admin/dealer.html", "admin/_dealer.html", status_code=status_code,
                               section="concesionario", dealer=dealer, tax_label=tax_label, tax_hint=tax_hint,
                               **context)

    @get("/concesionario", opt=allow(ADMINS))
    async def dealer(self, request: HTMXRequest, access: CurrentAccess, aviso: FromQuery[str] = "") -> Template:
        return await self._dealer_page(request, access, notice=NOTICES.get(aviso))

    @post("/concesionario", opt=allow(ADMINS))
    async def save_dealer(self, request: HTMXRequest, access: CurrentAccess,
                          data: Annotated[forms.DealerForm, Form]) -> Template | Redirect:
        try:
            await commands.update_dealer(access, data)
        except Invalid as invalid:
            return await self._dealer_page(request, access, 422, form=forms.raw(data), errors=invalid.errors)
        return _done("/admin/concesionario")


# --- branches ------------------------------------------------------------------------------------


class BranchRoutes(Controller):
    path = "/admin/sucursales"

    @get("/", opt=allow(MANAGERS))
    async def branches(self, request: HTMXRequest, access: CurrentAccess, aviso: FromQuery[str] = "") -> Template:
        return page_or_partial(request, "admin/branches.html", "admin/_branches.html", section="sucursales",
                               branches=await queries.branches(access), country_names=forms.COUNTRY_NAMES,
                               notice=NOTICES.get(aviso))

    def _form_page(self, request: HTMXRequest, branch: dict[str, Any] | None, form: dict[str, Any],
                   errors: dict[str, str] | None = None, status_code: int = 200, **context: Any) -> Template:
        return page_or_partial(request, "admin/branch_form.html", "admin/_branch_form.html", status_code=status_code,
                               section="sucursales", branch=branch, form=form, errors=errors or {},
                               timezones=forms.timezone_groups(), currencies=forms.currency_groups(),
                               country_names=forms.COUNTRY_NAMES, locale_names=forms.LOCALE_NAMES, **context)

    @get("/nueva", opt=allow(ADMINS))
    async def new_branch(self, request: HTMXRequest) -> Template:
        return self._form_page(request, None, forms.new_branch_values())

    @post("/nueva", opt=allow(ADMINS))
    async def create_branch(self, request: HTMXRequest, access: CurrentAccess,
                            data: Annotated[forms.BranchForm, Form]) -> Template | Redirect:
        try:
            await commands.create_branch(access, data)
        except Invalid as invalid:
            return self._form_page(request, None, forms.raw(data), invalid.errors, 422)
        return _done("/admin/sucursales", "sucursal-creada")

    @get("/{branch_id:int}", opt=allow(MANAGERS))
    async def branch(self, request: HTMXRequest, access: CurrentAccess, branch_id: FromPath[int],
                     aviso: FromQuery[str] = "") -> Template:
        branch = await queries.branch(access, branch_id)
        return self._form_page(request, branch, queries.branch_form_values(branch), notice=NOTICES.get(aviso))

    @post("/{branch_id:int}", opt=allow(MANAGERS))
    async def save_branch(self, request: HTMXRequest, access: CurrentAccess, branch_id: FromPath[int],
                          data: Annotated[forms.BranchForm, Form]) -> Template | Redirect:
        try:
            await commands.update_branch(access, branch_id, data)
        except Invalid as invalid:
            branch = await queries.branch(access, branch_id)
            return self._form_page(request, branch, forms.raw(data), invalid.errors, 422)
        return _done("/admin/sucursales")

    @post("/{branch_id:int}/desactivar", opt=allow(ADMINS))
    async def deactivate(self, access: CurrentAccess, branch_id: FromPath[int],
                         data: Annotated[forms.VersionForm, Form]) -> Redirect:
        await commands.set_branch_active(access, branch_id, data.version, active=False)
        return _done(f"/admin/sucursales/{branch_id}", "sucursal-desactivada")

    @post("/{branch_id:int}/reactivar", opt=allow(ADMINS))
    async def reactivate(self, access: CurrentAccess, branch_id: FromPath[int],
                         data: Annotated[forms.VersionForm, Form]) -> Redirect:
        await commands.set_branch_active(access, branch_id, data.version, active=True)
        return _done(f"/admin/sucursales/{branch_id}", "sucursal-reactivada")


# --- users ---------------------------------------------------------------------------------------


class UserRoutes(Controller):
    path = "/admin/usuarios"

    @get("/", opt=allow(ADMINS))
    async def users(self, request: HTMXRequest, access: CurrentAccess, aviso: FromQuery[str] = "") -> Template:
        return page_or_partial(request, "admin/users.html", "admin/_users.html", section="usuarios",
                               users=await queries.users(access), roles=ROLE_NAMES, notice=NOTICES.get(aviso))

    async def _form_page(self, request: HTMXRequest, access: Access, user: dict[str, Any] | None,
                         form: dict[str, Any], status_code: int = 200, **context: Any) -> Template:
        context.setdefault("errors", {})
        context.setdefault("problem", None)
        return page_or_partial(request, "admin/user_form.html", "admin/_user_form.html", status_code=status_code,
                               section="usuarios", user=user, form=form, roles=ROLE_NAMES,
                               branches=await queries.branch_choices(access), **context)

    @get("/nuevo", opt=allow(ADMINS))
    async def new_user(self, request: HTMXRequest, access: CurrentAccess) -> Template:
        form = {"username": "", "full_name": "", "email": "", "role": "coordinator", "branch_ids": []}
        return await self._form_page(request, access, None, form)

    @post("/nuevo", opt=allow(ADMINS))
    async def create_user(self, request: HTMXRequest, access: CurrentAccess,
                          data: Annotated[forms.NewUserForm, Form]) -> Template | Redirect:
        try:
            await commands.create_user(access, data)
        except Invalid as invalid:
            form = forms.raw(data) | {"password": "", "password_again": ""}  # never sent back
            return await self._form_page(request, access, None, form, 422, errors=invalid.errors)
        return _done("/admin/usuarios", "usuario-creado")

    @get("/{user_id:int}", opt=allow(ADMINS))
    async def user(self, request: HTMXRequest, access: CurrentAccess, user_id: FromPath[int],
                   aviso: FromQuery[str] = "") -> Template:
        user = await queries.user(access, user_id)
        return await self._form_page(request, access, user, user, notice=NOTICES.get(aviso))

    @post("/{user_id:int}", opt=allow(ADMINS))
    async def save_user(self, request: HTMXRequest, access: CurrentAccess, user_id: FromPath[int],
                        data: Annotated[forms.UserForm, Form]) -> Template | Redirect:
        try:
            await commands.update_user(access, user_id, data)
        except Invalid as invalid:
            user = await queries.user(access, user_id)
            return await self._form_page(request, access, user, forms.raw(data), 422, errors=invalid.errors,
                                         problem=invalid.detail if not invalid.errors else None)
        return _done("/admin/usuarios")

    def _password_page(self, request: HTMXRequest, user: dict[str, Any], status_code: int = 200,
                       errors: dict[str, str] | None = None, version: str | None = None) -> Template:
        return page_or_partial(request, "admin/user_password.html", "admin/_user_password.html",
                               status_code=status_code, section="usuarios", user=user, errors=errors or {},
                               version=user["version"] if version is None else version)

    @get("/{user_id:int}/clave", opt=allow(ADMINS))
    async def password(self, request: HTMXRequest, access: CurrentAccess, user_id: FromPath[int]) -> Template:
        return self._password_page(request, await queries.user(access, user_id))

    @post("/{user_id:int}/clave", opt=allow(ADMINS))
    async def reset_password(self, request: HTMXRequest, access: CurrentAccess, user_id: FromPath[int],
                             data: Annotated[forms.PasswordForm, Form]) -> Template | Redirect:
        try:
            epoch = await commands.reset_password(access, user_id, data)
        except Invalid as invalid:
            return self._password_page(request, await queries.user(access, user_id), 422, invalid.errors,
                                       version=data.version)
        if user_id == access.user_id:  # his own: this session goes on, under a new id
            sessions.start(request, access.user_id, epoch, request.session.get("branch"))
        return _done(f"/admin/usuarios/{user_id}", "clave")

    async def _set_active(self, request: HTMXRequest, access: Access, user_id: int, version: str,
                          active: bool) -> Template | Redirect:
        try:
            await commands.set_user_active(access, user_id, version, active)
        except Invalid as invalid:
            user = await queries.user(access, user_id)
            return await self._form_page(request, access, user, user, 422, problem=invalid.detail)
        return _done(f"/admin/usuarios/{user_id}", "reactivado" if active else "desactivado")

    @post("/{user_id:int}/desactivar", opt=allow(ADMINS))
    async def deactivate(self, request: HTMXRequest, access: CurrentAccess, user_id: FromPath[int],
                         data: Annotated[forms.VersionForm, Form]) -> Template | Redirect:
        return await self._set_active(request, access, user_id, data.version, active=False)

    @post("/{user_id:int}/reactivar", opt=allow(ADMINS))
    async def reactivate(self, request: HTMXRequest, access: CurrentAccess, user_id: FromPath[int],
                         data: Annotated[forms.VersionForm, Form]) -> Template | Redirect:
        return await self._set_active(request, access, user_id, data.version, active=True)


# --- catalogs ------------------------------------------------------------------------------------


def _catalogs_url(branch_id: int) -> str:
    return f"/admin/sucursales/{branch_id}/catalogos"


async def _catalogs_page(request: HTMXRequest, access: Access, branch_id: int, status_code: int = 200,
                         **context: Any) -> Template:
    context.setdefault("failed", None)
    return page_or_partial(request, "admin/catalogs.html", "admin/_catalogs.html", status_code=status_code,
                           section="catalogos", catalogs=(REASONS, OUTCOMES), purposes=forms.PURPOSE_NAMES,
                           **await queries.catalogs(access, branch_id), **context)


async def _section(request: HTMXRequest, access: Access, catalog: Catalog, branch_id: int, status_code: int = 200,
                   **context: Any) -> Template:
    """One catalog's table and its add form (after adding or moving a row)."""
    context.setdefault("failed", None)
    branch, items = await queries.catalog(access, catalog, branch_id)
    return render(request, "admin/_catalog_section.html", status_code=status_code, catalog=catalog, branch=branch,
                  items=items, purposes=forms.PURPOSE_NAMES, **context)


class CatalogRoutes(Controller):
    path = "/admin"

    @get("/catalogos", opt=allow(MANAGERS))
    async def catalogs_of_current_branch(self, request: HTMXRequest, access: CurrentAccess) -> Template | Redirect:
        if access.branch is None:
            return page_or_partial(request, "admin/catalogs.html", "admin/_catalogs.html", section="catalogos",
                                   branch=None)
        return Redirect(_catalogs_url(access.branch.id), status_code=303)

    @get("/sucursales/{branch_id:int}/catalogos", opt=allow(MANAGERS))
    async def catalogs(self, request: HTMXRequest, access: CurrentAccess, branch_id: FromPath[int],
                       aviso: FromQuery[str] = "") -> Template:
        return await _catalogs_page(request, access, branch_id, notice=NOTICES.get(aviso))


def _catalog_routes(catalog: Catalog) -> list[HTTPRouteHandler]:
    """Add, edit, deactivate, reactivate and move the rows of one catalog."""
    slug = catalog.slug

    @post(f"/admin/sucursales/{{branch_id:int}}/{slug}", opt=allow(MANAGERS), name=f"{slug}:add")
    async def add(request: HTMXRequest, access: CurrentAccess, branch_id: FromPath[int],
                  data: Annotated[forms.CatalogItemForm, Form]) -> Template | Redirect:
        try:
            await commands.add_catalog_item(access, catalog, branch_id, data)
        except Invalid as invalid:
            failed = {"slug": slug, "id": None, "form": forms.raw(data), "errors": invalid.errors}
            if request.htmx:
                return await _section(request, access, catalog, branch_id, 422, failed=failed)
            return await _catalogs_page(request, access, branch_id, 422, failed=failed)
        if request.htmx:
            return await _section(request, access, catalog, branch_id, added=True)
        return _done(_catalogs_url(branch_id))

    async def _row(request: HTMXRequest, access: Access, item: dict[str, Any]) -> Template | Redirect:
        if request.htmx:
            return render(request, "admin/_catalog_row.html", catalog=catalog, item=item,
                          purposes=forms.PURPOSE_NAMES, failed=None)
        return _done(_catalogs_url(item["branch"]))

    @post(f"/admin/{slug}/{{item_id:int}}", opt=allow(MANAGERS), name=f"{slug}:edit")
    async def edit(request: HTMXRequest, access: CurrentAccess, item_id: FromPath[int],
                   data: Annotated[forms.CatalogItemForm, Form]) -> Template | Redirect:
        try:
            item = await commands.edit_catalog_item(access, catalog, item_id, data)
        except Invalid as invalid:
            item = await queries.catalog_item(access, catalog, item_id)
            failed = {"slug": slug, "id": item_id, "form": forms.raw(data), "errors": invalid.errors}
            if request.htmx:
                return render(request, "admin/_catalog_row.html", status_code=422, catalog=catalog, item=item,
                              purposes=forms.PURPOSE_NAMES, failed=failed)
            return await _catalogs_page(request, access, item["branch"], 422, failed=failed)
        return await _row(request, access, item)

    @post(f"/admin/{slug}/{{item_id:int}}/desactivar", opt=allow(MANAGERS), name=f"{slug}:deactivate")
    async def deactivate(request: HTMXRequest, access: CurrentAccess, item_id: FromPath[int],
                         data: Annotated[forms.VersionForm, Form]) -> Template | Redirect:
        item = await commands.set_catalog_item_active(access, catalog, item_id, data.version, active=False)
        return await _row(request, access, item)

    @post(f"/admin/{slug}/{{item_id:int}}/reactivar", opt=allow(MANAGERS), name=f"{slug}:reactivate")
    async def reactivate(request: HTMXRequest, access: CurrentAccess, item_id: FromPath[int],
                         data: Annotated[forms.VersionForm, Form]) -> Template | Redirect:
        item = await commands.set_catalog_item_active(access, catalog, item_id, data.version, active=True)
        return await _row(request, access, item)

    async def _move(request: HTMXRequest, access: Access, item_id: int, step: int) -> Template | Redirect:
        branch_id = await commands.move_catalog_item(access, catalog, item_id, step)
        if request.htmx:
            return await _section(request, access, catalog, branch_id, moved=item_id)
        return Redirect(f"{_catalogs_url(branch_id)}#{slug}-{item_id}", status_code=303)

    @post(f"/admin/{slug}/{{item_id:int}}/subir", opt=allow(MANAGERS), name=f"{slug}:up")
    async def up(request: HTMXRequest, access: CurrentAccess, item_id: FromPath[int]) -> Template | Redirect:
        return await _move(request, access, item_id, -1)

    @post(f"/admin/{slug}/{{item_id:int}}/bajar", opt=allow(MANAGERS), name=f"{slug}:down")
    async def down(request: HTMXRequest, access: CurrentAccess, item_id: FromPath[int]) -> Template | Redirect:
        return await _move(request, access, item_id, +1)

    return [add, edit, deactivate, reactivate, up, down]


ADMIN_ROUTES: list[Any] = [AdminRoutes, BranchRoutes, UserRoutes, CatalogRoutes,
                           *_catalog_routes(REASONS), *_catalog_routes(OUTCOMES)]
