"""The Settings page's use-cases: Ecomdrop, Dropi, connector options, locations and status.

Each section validates and saves on its own. Secrets are checked live before they are stored,
stored encrypted (EncryptedText columns) and never returned: sections expose only a hint of
their last four characters. Functions take the Shop and an IntegrationClients; nothing here
reads the Flask request.
"""
from app.services.settings.bot_field import (
    default_token_field_id,
    sync_dropi_token_field,
    token_field_id,
)
from app.services.settings.clients import IntegrationClients
from app.services.settings.common import (
    Notice,
    SaveOutcome,
    SettingsInvalid,
    SettingsUnavailable,
    load_configuration,
)
from app.services.settings.dropi import (
    COUNTRIES,
    DropiForm,
    DropiSection,
    dropi_form,
    dropi_section,
    save_dropi,
    token_report,
)
from app.services.settings.ecomdrop import (
    EcomdropForm,
    EcomdropSection,
    account_flows,
    cached_flows,
    ecomdrop_form,
    ecomdrop_section,
    save_ecomdrop,
)
from app.services.settings.locations import (
    LocationsSection,
    load_locations,
    locations_form,
    save_location_mappings,
)
from app.services.settings.options import OPTIONS, options_form, save_options, saved_options
from app.services.settings.recovery import (
    AUDIENCES,
    recovery_form,
    recovery_values,
    save_recovery,
)
from app.services.settings.status import (
    IntegrationStatus,
    SettingsStatus,
    check_connections,
    settings_status,
)

__all__ = [
    "AUDIENCES", "COUNTRIES", "DropiForm", "DropiSection", "EcomdropForm", "EcomdropSection",
    "IntegrationClients", "IntegrationStatus", "LocationsSection", "Notice", "OPTIONS",
    "SaveOutcome", "SettingsInvalid", "SettingsStatus", "SettingsUnavailable", "account_flows", "cached_flows",
    "check_connections", "default_token_field_id", "dropi_form", "dropi_section",
    "ecomdrop_form", "ecomdrop_section", "load_configuration", "load_locations",
    "locations_form", "options_form", "save_dropi", "save_ecomdrop", "save_location_mappings",
    "recovery_form", "recovery_values", "save_options", "save_recovery", "saved_options",
    "settings_status", "sync_dropi_token_field", "token_field_id", "token_report",
]
