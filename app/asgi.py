"""create_app(): plugins, middleware, routes — nothing else."""

from __future__ import annotations

import logging

from litestar import Litestar, Router
from litestar.config.csrf import CSRFConfig
from litestar.datastructures import CacheControlHeader, State
from litestar.di import Provide
from litestar.logging import LoggingConfig
from litestar.openapi import OpenAPIConfig
from litestar.plugins.htmx import HTMXPlugin
from litestar.static_files import create_static_files_router

from app import db, jobs
from app.admin.routes import ADMIN_ROUTES
from app.auth import sessions
from app.auth.access import PUBLIC, authorize, provide_access
from app.auth.routes import AuthRoutes
from app.board.appointments.routes import AppointmentRoutes
from app.board.deliveries.routes import DeliveryRoutes
from app.board.opportunities.routes import OpportunityRoutes
from app.board.routes import BoardRoutes
from app.board.workshop.routes import DoneRoutes, InProcessRoutes
from app.campaigns.routes import CampaignRoutes
from app.config import Settings, get_settings
from app.customers.routes import CustomerRoutes, DuplicateRoutes
from app.display import live
from app.display.routes import DisplayAdminRoutes, ScreenRoutes
from app.dms.api import API_ROUTES
from app.dms.limits import RATE_LIMIT_STORE, api_rate_limit, rate_limit_store
from app.dms.routes import DMS_ROUTES
from app.errors import exception_handlers
from app.health import healthz
from app.messaging.routes import LetterRoutes, MailRoutes, TomorrowRoutes
from app.reports.routes import ReportRoutes
from app.security import CspNonce, security_headers
from app.web import STATIC, template_config

MAX_BODY = 25 * 1024 * 1024  # file imports are the largest bodies


def create_app(settings: Settings | None = None) -> Litestar:
    settings = settings or get_settings()
    channels = live.plugin(settings)

    async def start() -> None:
        await db.start()
        # Tests call each job themselves: a clock-driven one firing mid-test would change what it checks.
        await jobs.start(settings, run_cron=settings.env != "test")

    async def stop() -> None:
        live.forget(channels)
        await jobs.stop()
        await db.stop()

    return Litestar(
        route_handlers=[
            AuthRoutes,
            BoardRoutes,
            OpportunityRoutes,
            CustomerRoutes,
            DuplicateRoutes,
            CampaignRoutes,
            AppointmentRoutes,
            DeliveryRoutes,
            InProcessRoutes,
            DoneRoutes,
            *ADMIN_ROUTES,
            MailRoutes,
            LetterRoutes,
            TomorrowRoutes,
            ScreenRoutes,
            ReportRoutes,
            DisplayAdminRoutes,
            *DMS_ROUTES,
            Router(path="/", route_handlers=API_ROUTES, middleware=[api_rate_limit(settings).middleware]),
            healthz,
            create_static_files_router(path="/static", directories=[STATIC], opt=PUBLIC,
                                       include_in_schema=False,
                                       cache_control=CacheControlHeader(max_age=31_536_000, public=True)),
        ],
        plugins=[HTMXPlugin(), channels],
        middleware=[CspNonce(), sessions.session_config(settings).middleware],
        before_send=[security_headers(https=settings.https)],  # every response, errors included
        stores={sessions.STORE: sessions.session_store(settings), RATE_LIMIT_STORE: rate_limit_store(settings)},
        csrf_config=CSRFConfig(
            secret=settings.secret_key, cookie_name="retorno_csrf", header_name="x-csrftoken",
            cookie_secure=settings.https, cookie_httponly=True, cookie_samesite="lax",
            exclude=["^/api/", "^/static/", "^/pantalla/"],  # no token cookie on cached files nor on the TV
        ),
        guards=[authorize],
        dependencies={"access": Provide(provide_access)},
        exception_handlers=exception_handlers(),
        template_config=template_config(),
        openapi_config=OpenAPIConfig(
            title="Retorno", version="1", description="API de ingesta del DMS (X-Api-Key).",
            openapi_router=Router(path="/schema", route_handlers=[], opt=PUBLIC),
        ),
        logging_config=LoggingConfig(
            root={"level": logging.getLevelName(logging.INFO), "handlers": ["queue_listener"]},
            log_exceptions="never",  # app.errors logs what is unexpected, once
        ),
        request_max_body_size=MAX_BODY,
        state=State({"settings": settings}),  # what request-time code reads (app.state.settings)
        on_startup=[start],
        on_shutdown=[stop],
        debug=False,
    )
