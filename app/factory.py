"""Building the Flask app: config, logging, extensions, blueprints, error handlers, CLI."""
from __future__ import annotations

from flask import Flask
from flask.sessions import SessionInterface

import app.models  # noqa: F401  (registers the tables on db.metadata)
from app import cli, errors, i18n, jobs, request_boundary
from app.admin import register_admin_blueprints
from app.agent.views import bp as agent_bp
from app.auth.views import bp as auth_bp
from app.callbacks.views import bp as callbacks_bp
from app.config import PROJECT_ROOT, ConfigError, Settings
from app.crypto import secret_box
from app.extensions import (babel, cache, cache_config, configure_queue, db, htmx, limiter,
                            migrate)
from app.health import bp as health_bp
from app.error_reporting import configure_error_reporting
from app.logging_setup import configure_logging
from app.monitoring import register as register_monitoring
from app.security_headers import register as register_security_headers
from app.services.doctor import static_findings
from app.webhooks.dropi import bp as dropi_webhooks_bp
from app.webhooks.views import WebhookIngest
from app.webhooks.views import bp as webhooks_bp

MIGRATIONS_DIR = PROJECT_ROOT / "migrations"


def build_app(settings: Settings) -> Flask:
    refuse_fatal_configuration(settings)
    flask_app = Flask(
        "app",
        instance_path=str(settings.instance_path),
        template_folder="../templates",
        static_folder="../static",
    )
    flask_app.config.from_mapping(settings.flask_config())
    flask_app.session_interface = NoCookieSession()
    configure_logging(settings.log_level, settings.log_format)
    configure_error_reporting(settings)
    _init_extensions(flask_app, settings)
    request_boundary.register(flask_app)
    _register_blueprints(flask_app)
    flask_app.wsgi_app = WebhookIngest(flask_app, flask_app.wsgi_app)
    errors.register(flask_app)
    cli.register(flask_app)
    return flask_app


class NoCookieSession(SessionInterface):
    """The app keeps nothing in Flask's cookie session (requests carry a session token; the
    OAuth state has its own signed cookie), so no request pays for reading one: `session` is
    Flask's NullSession, which refuses writes."""

    def open_session(self, app, request):
        return None

    def save_session(self, app, session, response):
        return None


def _init_extensions(flask_app: Flask, settings: Settings) -> None:
    secret_box.configure(settings.encryption_keys)
    db.init_app(flask_app)
    migrate.init_app(flask_app, db, directory=str(MIGRATIONS_DIR), render_as_batch=True)
    htmx.init_app(flask_app)
    limiter.init_app(flask_app)
    cache.init_app(flask_app, config=cache_config(settings))
    babel.init_app(
        flask_app, locale_selector=i18n.select_locale, timezone_selector=i18n.select_timezone
    )
    i18n.register(flask_app)
    configure_queue(settings)
    jobs.bind_app(flask_app)


def _register_blueprints(flask_app: Flask) -> None:
    flask_app.register_blueprint(auth_bp)
    flask_app.register_blueprint(agent_bp)
    flask_app.register_blueprint(webhooks_bp)
    flask_app.register_blueprint(dropi_webhooks_bp)
    flask_app.register_blueprint(callbacks_bp)
    flask_app.register_blueprint(health_bp)
    register_admin_blueprints(flask_app)
    register_security_headers(flask_app)
    register_monitoring(flask_app)


def refuse_fatal_configuration(settings: Settings) -> None:
    """In production, a configuration `flask doctor` calls fatal stops the process here, before
    it serves anyone; the message lists every problem. Development runs only warn via the CLI."""
    if not settings.is_production:
        return
    fatal = [finding for finding in static_findings(settings) if finding.fatal]
    if fatal:
        problems = "\n".join(f"- {finding.message}" for finding in fatal)
        raise ConfigError(f"This configuration cannot serve merchants (`flask doctor` says "
                          f"more):\n{problems}")
