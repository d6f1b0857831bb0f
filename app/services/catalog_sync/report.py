"""What a catalog sync tells about each product as it goes. A sync run's context
(app.services.sync.SyncContext) is one; so is anything else with these methods."""
from __future__ import annotations

from typing import Protocol

ENTITY_PRODUCT = "product"


class SyncReport(Protocol):
    def checked(self, n: int = 1) -> None: ...

    def changed(self, entity_type: str, entity_id: str, label: str,
                detail: str | None = None) -> None: ...

    def failed(self, entity_type: str, entity_id: str, label: str, reason: str) -> None: ...

    def flagged(self, entity_type: str, entity_id: str, label: str, reason: str) -> None: ...

    def keep_going(self) -> None: ...
