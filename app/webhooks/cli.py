"""`flask webhooks failed|replay` and `flask compliance list|report` for operators."""
from __future__ import annotations

import json

import click
from flask import Flask
from flask.cli import AppGroup

from app.auth.shop_domain import sanitize_shop_domain
from app.jobs import process_webhook_event
from app.services.compliance import compliance_request, compliance_requests
from app.services.webhooks import ReplayRefused, failed_events, replay_event, replay_failed

webhooks_cli = AppGroup("webhooks", help="Inspect and replay stored Shopify webhook events.")
compliance_cli = AppGroup("compliance", help="Privacy requests received from Shopify.")


def register(app: Flask) -> None:
    app.cli.add_command(webhooks_cli)
    app.cli.add_command(compliance_cli)


def _shop_option(value: str | None) -> str | None:
    if value is None:
        return None
    domain = sanitize_shop_domain(value)
    if domain is None:
        raise click.BadParameter(f"{value!r} is not a shop domain like acme.myshopify.com.")
    return domain


shop_option = click.option(
    "--shop",
    "shop",
    default=None,
    metavar="DOMAIN",
    callback=lambda ctx, param, value: _shop_option(value),
    help="Only this shop (acme.myshopify.com).",
)


@webhooks_cli.command("failed")
@shop_option
def failed(shop: str | None) -> None:
    """List webhook events whose handlers failed."""
    events = failed_events(shop)
    if not events:
        click.echo("No failed webhook events" + (f" for {shop}." if shop else "."))
        return
    for event in events:
        click.echo(
            f"{event.id}\t{event.shop_domain}\t{event.topic}\tattempts={event.attempts}\t"
            f"received={event.received_at.isoformat(timespec='seconds')}\t{event.last_error or ''}"
        )


@webhooks_cli.command("replay")
@click.argument("event_id", required=False, type=int)
@click.option("--failed", "all_failed", is_flag=True, help="Replay every failed event.")
@click.option("--force", is_flag=True, help="Also replay an event that was processed or ignored.")
@shop_option
def replay(event_id: int | None, all_failed: bool, force: bool, shop: str | None) -> None:
    """Queue a stored event (by id) or all failed events again."""
    if (event_id is None) == (not all_failed):
        raise click.UsageError("Give one event id or --failed.")
    if all_failed:
        replayed = replay_failed(enqueue=process_webhook_event, shop_domain=shop)
        click.echo(f"Queued {len(replayed)} failed webhook events again.")
        return
    try:
        event = replay_event(event_id, enqueue=process_webhook_event, shop_domain=shop, force=force)
    except ReplayRefused as refused:
        raise click.ClickException(str(refused)) from None
    click.echo(f"Queued webhook event {event.id} ({event.topic} for {event.shop_domain}) again.")


@compliance_cli.command("list")
@shop_option
def list_requests(shop: str | None) -> None:
    """List handled privacy requests."""
    rows = compliance_requests(shop)
    if not rows:
        click.echo("No privacy requests" + (f" for {shop}." if shop else "."))
    for row in rows:
        done = row.completed_at.isoformat(timespec="seconds") if row.completed_at else "-"
        click.echo(
            f"{row.id}\t{row.shop_domain}\t{row.topic}\tcustomer={row.shopify_customer_id or '-'}\t"
            f"request={row.request_id or '-'}\t{row.status.value}\tcompleted={done}"
        )


@compliance_cli.command("report")
@click.argument("request_id", type=int)
@click.option(
    "--shop",
    "shop",
    required=True,
    metavar="DOMAIN",
    callback=lambda ctx, param, value: _shop_option(value),
    help="The shop the request belongs to.",
)
def report(request_id: int, shop: str) -> None:
    """Print the report of a data request as JSON, to hand to the merchant."""
    row = compliance_request(shop, request_id)
    if row is None:
        raise click.ClickException(f"There is no privacy request {request_id} for {shop}.")
    if row.report is None:
        raise click.ClickException(
            f"The report of request {request_id} was erased by a later redaction."
        )
    click.echo(json.dumps(row.report, indent=2, sort_keys=True))
