"""Dropi statuses as the connector understands them. Dropi's list is open-ended and
carrier-driven (dropi-integration-facts §4): a status not listed here is kept as sent and
treated as "in progress"."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from app.models.shipments import (
    PHASE_CANCELLED,
    PHASE_DELIVERED,
    PHASE_IN_PROGRESS,
    PHASE_RETURNED,
)

DELIVERED = {"ENTREGADO"}
RETURNED = {"DEVOLUCION", "DEVOLUCIÓN", "RECHAZADO"}
CANCELLED = {"CANCELADO", "ANULADA", "GUIA_ANULADA"}
INCIDENT = {"NOVEDAD"}
INCIDENT_SOLVED = {"NOVEDAD SOLUCIONADA"}

LABELS = {
    "PENDIENTE CONFIRMACION": _l("Waiting for Dropi's confirmation"),
    "PENDIENTE": _l("Pending"),
    "GUIA_GENERADA": _l("Guide generated"),
    "PREPARADO PARA TRANSPORTADORA": _l("Ready for the carrier"),
    "EN PROCESAMIENTO": _l("Being prepared"),
    "DESPACHADA": _l("Dispatched"),
    "EN TRANSITO": _l("In transit"),
    "EN TERMINAL ORIGEN": _l("At the origin terminal"),
    "EN TERMINAL DESTINO": _l("At the destination terminal"),
    "EN BODEGA DESTINO": _l("At the destination warehouse"),
    "EN REPARTO": _l("Out for delivery"),
    "RECLAME EN OFICINA": _l("Waiting at the carrier's office"),
    "INTENTO DE ENTREGA": _l("Delivery attempted"),
    "NOVEDAD": _l("Delivery incident"),
    "NOVEDAD SOLUCIONADA": _l("Incident solved"),
    "ENTREGADO": _l("Delivered"),
    "DEVOLUCION": _l("Returned"),
    "RECHAZADO": _l("Refused by the customer"),
    "CANCELADO": _l("Cancelled"),
    "ANULADA": _l("Voided"),
    "GUIA_ANULADA": _l("Guide voided"),
    "INDEMNIZADA POR DROPI": _l("Compensated by Dropi"),
    "TELEMERCADEO": _l("Telemarketing"),
    "REENVIO": _l("Sent again"),
    "ADMITIDA": _l("Admitted by the carrier"),
}

# Public tracking pages of Colombian carriers, by the name Dropi gives them; else the guide.
TRACKING_URLS = {
    "SERVIENTREGA": "https://www.servientrega.com/wps/portal/rastreo-envio/detalle?id={guide}",
    "ENVIA": "https://envia.co/rastreo?guia={guide}",
    "INTERRAPIDISIMO": "https://www.interrapidisimo.com/sigue-tu-envio/?guia={guide}",
    "COORDINADORA": "https://coordinadora.com/rastreo/rastreo-de-guia/detalle-de-rastreo-de-"
                    "guia/?guia={guide}",
    "TCC": "https://tcc.com.co/courier/mensajeria/rastrear-envio/?guia={guide}",
}


def normalized(status: str | None) -> str:
    return " ".join((status or "").upper().split())


def phase_of(status: str | None) -> str:
    status = normalized(status)
    if status in DELIVERED:
        return PHASE_DELIVERED
    if status in RETURNED:
        return PHASE_RETURNED
    if status in CANCELLED:
        return PHASE_CANCELLED
    return PHASE_IN_PROGRESS


def status_label(status: str | None) -> str:
    """The merchant's words for a status; an unknown one reads "<STATUS> (in progress)"."""
    label = LABELS.get(normalized(status))
    if label is not None:
        return str(label)
    return str(_l("%(status)s (in progress)", status=status or "?"))


def is_known(status: str | None) -> bool:
    return normalized(status) in LABELS


def tracking_url(carrier: str | None, guide: str) -> str | None:
    """The carrier's public tracking page for a guide, when the carrier is one we know."""
    key = normalized(carrier).replace(" ", "")
    template = next((url for name, url in TRACKING_URLS.items()
                     if name.replace(" ", "") == key), None)
    return template.format(guide=guide) if template else None
