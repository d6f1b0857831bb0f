"""Automatic sync between Dropi and Shopify: options register a runner with @sync_option; the
job queue runs each option per shop on its schedule, one run per shop and option at a time."""
from app.services.sync.context import SyncContext, SyncFailed, SyncStopped
from app.services.sync.entries import record_entry
from app.services.sync.registry import (SyncOption, UnknownSyncOption, get_option,
                                        registered_options, sync_option)
from app.services.sync.runner import run_option
from app.services.sync.schedule import (INTERVAL_CHOICES, SyncRefused, due_runs, next_slot,
                                        option_enabled, queue_due, request_run, set_interval,
                                        state_for, use_queue)

__all__ = [
    "INTERVAL_CHOICES", "SyncContext", "SyncFailed", "SyncOption", "SyncRefused", "SyncStopped",
    "UnknownSyncOption", "due_runs", "get_option", "next_slot", "option_enabled", "queue_due",
    "record_entry", "registered_options", "request_run", "run_option", "set_interval",
    "state_for", "sync_option", "use_queue",
]
