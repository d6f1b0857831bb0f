"""The AI agent profile reaching the agent: the `get_store_profile` and `notify_merchant`
tools, the compiled profile in an Ecomdrop bot field, and the profile's saved versions."""
from app.services.agent_profile.bot_field import (
    EcomdropChoiceProblem,
    WriteOutcome,
    WriteResult,
    choose_profile_field,
    load_link,
    profile_changed,
    resume_pending_writes,
    stop_profile_field,
    write_profile_field,
)
from app.services.agent_profile.notify import (
    AlertNotConfigured,
    AlertNotSent,
    AlertRateLimited,
    AlertRequest,
    NotifyError,
    UnknownAlertType,
    choose_alert_flow,
    notify_merchant,
    recent_alerts,
)
from app.services.agent_profile.profile import (
    compile_profile_text,
    get_store_profile,
)
from app.services.agent_profile.versions import (
    VersionNotFound,
    VersionSummary,
    list_versions,
    restore_version,
    version_settings,
)

__all__ = [
    "AlertNotConfigured", "AlertNotSent",
    "AlertRateLimited", "AlertRequest", "NotifyError", "EcomdropChoiceProblem",
    "UnknownAlertType", "VersionNotFound", "VersionSummary", "WriteOutcome", "WriteResult",
    "choose_alert_flow", "choose_profile_field", "compile_profile_text", "get_store_profile",
    "list_versions", "load_link", "notify_merchant", "profile_changed", "recent_alerts",
    "restore_version", "resume_pending_writes", "stop_profile_field", "version_settings",
    "write_profile_field",
]
