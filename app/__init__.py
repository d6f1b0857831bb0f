"""The Dropi + Ecomdrop connector: an embedded Shopify app."""
from __future__ import annotations

from flask import Flask

from app.config import ConfigError, Settings
from app.error_reporting import configure_error_reporting
from app.logging_setup import configure_logging
from app.services.doctor import static_findings


def create_app(settings: Settings | None = None) -> Flask:
    """Application factory: config, logging, extensions, blueprints, error handlers, CLI."""
    settings = settings or Settings.from_env()
    refuse_fatal_configuration(settings)
    app = Flask(
        __name__,
        instance_path=str(settings.instance_path),
        template_folder="../templates",
        static_folder="../static",
    )
    app.config.from_mapping(settings.flask_config())

    configure_logging(settings.log_level, settings.log_format)
    configure_error_reporting(settings)
    _init_extensions(app, settings)
    _register_blueprints(app)

    from app import errors, cli

    errors.register(app)
    cli.register(app)
    return app


def _init_extensions(app: Flask, settings: Settings) -> None:
    from app import i18n, jobs
    from app.crypto import secret_box
    from app.extensions import babel, cache, cache_config, configure_queue, db, htmx, migrate

    secret_box.configure(settings.encryption_keys)
    db.init_app(app)
    migrate.init_app(app, db, directory=str(settings_migrations_dir()), render_as_batch=True)
    htmx.init_app(app)
    cache.init_app(app, config=cache_config(settings))
    babel.init_app(
        app, locale_selector=i18n.select_locale, timezone_selector=i18n.select_timezone
    )
    i18n.register(app)
    configure_queue(settings)
    jobs.bind_app(app)

    import app.models  # noqa: F401  (registers the tables on db.metadata)


def settings_migrations_dir():
    from app.config import PROJECT_ROOT

    return PROJECT_ROOT / "migrations"


def _register_blueprints(app: Flask) -> None:
    from app.admin import register_admin_blueprints
    from app.auth.views import bp as auth_bp
    from app.health import bp as health_bp
    from app.monitoring import register as register_monitoring
    from app.security_headers import register as register_security_headers
    from app.webhooks.views import bp as webhooks_bp

    app.register_blueprint(auth_bp)
    app.register_blueprint(webhooks_bp)
    app.register_blueprint(health_bp)
    register_admin_blueprints(app)
    register_security_headers(app)
    register_monitoring(app)


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
