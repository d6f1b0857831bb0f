"""The sync options a shop can run. Each option's module registers its runner with
@sync_option; the registry imports every service module once before answering, as the webhook
registry does, so an option exists as soon as its module is in app/services."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from app.services.service_modules import import_service_modules

# runner(ctx: app.services.sync.SyncContext)
Runner = Callable[[Any], None]


class UnknownSyncOption(LookupError):
    pass


@dataclass(frozen=True)
class SyncOption:
    name: str
    label: str
    runner: Runner
    # The ShopConfiguration switch that turns the option on; None: on whenever the shop is Active.
    config_flag: str | None
    # None: the option runs only when asked (Run now, a retry, or another part of the app).
    default_interval_minutes: int | None
    # Shown on the Sync page under the option's name.
    description: str = ""
    # The endpoint of the page where the merchant reviews what the option holds for them (the
    # Sync page links to it under the option's name), and the link's text.
    review_endpoint: str | None = None
    review_label: str = ""

    @property
    def scheduled(self) -> bool:
        return self.default_interval_minutes is not None


_registry: dict[str, SyncOption] = {}


def sync_option(name: str, *, label, config_flag: str | None = None,
                default_interval_minutes: int | None = None, description="",
                review_endpoint: str | None = None, review_label=""):
    """Register `runner(ctx)` as the option `name`."""

    def decorator(runner: Runner) -> Runner:
        _registry[name] = SyncOption(name, label, runner, config_flag, default_interval_minutes,
                                     description, review_endpoint, review_label)
        return runner

    return decorator


def registered_options() -> list[SyncOption]:
    _discover()
    return sorted(_registry.values(), key=lambda option: option.name)


def get_option(name: str) -> SyncOption:
    _discover()
    try:
        return _registry[name]
    except KeyError:
        raise UnknownSyncOption(name) from None


def _discover() -> None:
    import_service_modules()
