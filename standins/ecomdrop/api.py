"""The /api routes of the Ecomdrop stand-in (shapes documented in server.py)."""
from __future__ import annotations

from flask import Blueprint, current_app, g, jsonify, request

from standins.ecomdrop.state import ApiError

bp = Blueprint("ecomdrop_api", __name__, url_prefix="/api")


def _store():
    return current_app.extensions["ecomdrop_stand_in"].store


def _copies(rows: dict[int, dict], project=dict) -> list[dict]:
    with _store().lock:
        return [project(row) for row in rows.values()]


def _definition(row: dict) -> dict:
    return {"id": row["id"], "name": row["name"], "type": row["type"],
            "description": row.get("description") or ""}


def _form_value() -> str:
    if "value" not in request.form:
        raise ApiError(400, "value is required (form field)")
    return request.form["value"]


def _json_body() -> dict:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise ApiError(400, "a JSON object body is required")
    return body


def _ok():
    return jsonify({"success": True})


# Account ---------------------------------------------------------------------------------

@bp.get("/accounts/me")
def me():
    account = g.account
    return jsonify({"page_id": account.page_id, "name": account.name, "active": True,
                    "created": account.created, "total_users": len(account.contacts)})


@bp.get("/accounts/flows")
def flows():
    return jsonify(_copies(g.account.flows))


@bp.get("/accounts/tags")
def tags():
    return jsonify(_copies(g.account.tags))


@bp.post("/accounts/tags")
def create_tag():
    tag = _store().create_tag(g.account, request.form.get("name", ""))
    return jsonify({"id": tag["id"]})


@bp.get("/accounts/tags/<int:tag_id>")
def tag(tag_id: int):
    return jsonify(dict(_store().get(g.account.tags, tag_id, "tag")))


@bp.get("/accounts/tags/name/<path:name>")
def tag_by_name(name: str):
    found = [t for t in _copies(g.account.tags) if t["name"].casefold() == name.casefold()]
    if not found:
        raise ApiError(404, "tag not found")
    return jsonify(dict(found[0]))


@bp.get("/accounts/custom_fields")
def custom_fields():
    return jsonify(_copies(g.account.custom_fields, _definition))


@bp.post("/accounts/custom_fields")
def create_custom_field():
    body = _json_body()
    row = _store().create_custom_field(g.account, body.get("name"), body.get("type", 0))
    return jsonify({"id": row["id"], "name": row["name"]})


@bp.get("/accounts/custom_fields/<int:field_id>")
def custom_field(field_id: int):
    return jsonify(_definition(_store().get(g.account.custom_fields, field_id, "custom field")))


@bp.get("/accounts/custom_fields/name/<path:name>")
def custom_field_by_name(name: str):
    found = [f for f in _copies(g.account.custom_fields)
             if f["name"].casefold() == name.casefold()]
    if not found:
        raise ApiError(404, "custom field not found")
    return jsonify(_definition(found[0]))


# No route lists bot fields: Ecomdrop's API documents bot fields by id only
# (dropi-integration-facts §6), so GET /accounts/bot_fields is an unknown route here (404).


@bp.get("/accounts/bot_fields/<int:field_id>")
def bot_field(field_id: int):
    return jsonify(dict(_store().get(g.account.bot_fields, field_id, "bot field")))


@bp.post("/accounts/bot_fields/<int:field_id>")
def set_bot_field(field_id: int):
    _store().set_bot_field(g.account, field_id, _form_value())
    return _ok()


@bp.delete("/accounts/bot_fields/<int:field_id>")
def unset_bot_field(field_id: int):
    _store().set_bot_field(g.account, field_id, None)
    return _ok()


# Contacts --------------------------------------------------------------------------------

@bp.get("/contacts/find_by_custom_field")
def find_contacts():
    found = _store().find_contacts(g.account, request.args.get("field_id", ""),
                                   request.args.get("value", ""))
    return jsonify({"data": found})


@bp.post("/contacts")
def create_contact():
    store = _store()
    contact = store.create_contact(g.account, _json_body())
    return jsonify({"success": True, "data": store.render_contact(g.account, contact)})


@bp.get("/contacts/<int:contact_id>")
def contact(contact_id: int):
    store = _store()
    return jsonify(store.render_contact(g.account, store.contact(g.account, contact_id)))


@bp.get("/contacts/<int:contact_id>/custom_fields")
def contact_fields(contact_id: int):
    store = _store()
    rendered = store.render_contact(g.account, store.contact(g.account, contact_id))
    return jsonify(rendered["custom_fields"])


@bp.route("/contacts/<int:contact_id>/custom_fields/<int:field_id>",
          methods=["GET", "POST", "DELETE"])
def contact_field(contact_id: int, field_id: int):
    store = _store()
    person = store.contact(g.account, contact_id)
    definition = store.get(g.account.custom_fields, field_id, "custom field")
    if request.method == "GET":
        return jsonify({**_definition(definition), "value": person["fields"].get(field_id)})
    if request.method == "DELETE":
        with store.lock:
            person["fields"].pop(field_id, None)
        return _ok()
    store.set_contact_field(person, field_id, _form_value())
    return _ok()


@bp.get("/contacts/<int:contact_id>/tags")
def contact_tags(contact_id: int):
    store = _store()
    return jsonify(store.render_contact(g.account, store.contact(g.account, contact_id))["tags"])


@bp.route("/contacts/<int:contact_id>/tags/<int:tag_id>", methods=["POST", "DELETE"])
def contact_tag(contact_id: int, tag_id: int):
    store = _store()
    person = store.contact(g.account, contact_id)
    store.get(g.account.tags, tag_id, "tag")
    if request.method == "DELETE":
        store.remove_tag(person, tag_id)
    else:
        store.add_tag(person, tag_id)
    return _ok()


@bp.post("/contacts/<int:contact_id>/send/<int:flow_id>")
def send_flow(contact_id: int, flow_id: int):
    store = _store()
    store.send_flow(g.account, store.contact(g.account, contact_id), flow_id)
    return _ok()


@bp.post("/contacts/<int:contact_id>/send/text")
def send_text(contact_id: int):
    store = _store()
    store.send_text(g.account, store.contact(g.account, contact_id), _json_body())
    return _ok()
