"""/app/products: the Dropi catalog, product detail and importing one product (create or link).
Views parse, call one service and render a page or fragment."""
from __future__ import annotations

from flask import abort, g, make_response, render_template, request
from flask_babel import gettext as _

from app.admin.products.blueprint import bp, form_values, settings, submitted_preferences
from app.admin.responses import render_page_or_fragment, toast
from app.auth.embedded import embedded_view
from app.clients.dropi import DropiError, DropiNotFound
from app.services.catalog import (
    CatalogFilters,
    CatalogNotConnected,
    browse_catalog,
    catalog_options,
    catalog_product,
)
from app.services.html_sanitizer import sanitize_description
from app.services.product_import import (
    AssociationNotFound,
    ImportNotReady,
    ImportPreferences,
    ImportRefused,
    ImportValidationError,
    get_association,
    import_context_for,
    import_product,
    link_product,
    list_import_jobs,
    preview_import,
    search_shopify_products,
    suggest_variant_links,
)
from app.services.product_import.results import describe_user_error
from app.services.settings.problems import dropi_problem


@bp.get("")
@embedded_view
def index():
    filters = CatalogFilters.from_args(request.args)
    context = {"filters": filters, "catalog": None, "problem": None, "not_connected": None,
               "options": None, "jobs": []}
    try:
        context["catalog"] = browse_catalog(settings(), g.shop, filters)
    except CatalogNotConnected as missing:
        context["not_connected"] = missing.merchant_message
    except DropiError as exc:
        context["problem"] = dropi_problem(exc)
    if context["not_connected"] is None and not request.headers.get("HX-Request"):
        context["options"] = catalog_options(settings(), g.shop)
        context["jobs"] = list_import_jobs(g.shop.id, limit=3)
    return render_page_or_fragment("products/catalog.html", "products/_results.html", **context)


def _product_or_problem(product_id: int) -> tuple[dict, int]:
    """The template context and the status: 404 when Dropi has no such product."""
    context, status = {"item": None, "problem": None, "not_connected": None}, 200
    try:
        context["item"] = catalog_product(settings(), g.shop, product_id)
    except CatalogNotConnected as missing:
        context["not_connected"] = missing.merchant_message
    except DropiError as exc:
        context["problem"] = dropi_problem(exc)
        status = 404 if isinstance(exc, DropiNotFound) else 200
    return context, status


@bp.get("/<int:product_id>")
@embedded_view
def detail(product_id: int):
    context, status = _product_or_problem(product_id)
    item = context["item"]
    description = sanitize_description(item.product.description) if item else ""
    return render_template("products/detail.html", description_html=description,
                           **context), status


# --- import one product ---------------------------------------------------------------------

def _initial_values(item) -> dict[str, str]:
    """The preferences it was imported with when it already was, else the defaults."""
    if item is not None and item.imported is not None:
        try:
            stored = get_association(g.shop.id, item.imported.association_id)
            return form_values(ImportPreferences.from_association(stored))
        except AssociationNotFound:
            pass
    return form_values(ImportPreferences())


@bp.get("/<int:product_id>/import")
@embedded_view
def import_page(product_id: int):
    mode = "link" if request.args.get("mode") == "link" else "create"
    status = 200
    try:
        import_context_for(settings(), g.shop)
        context, status = _product_or_problem(product_id)
        context["not_ready"] = context.pop("not_connected")
    except ImportNotReady as missing:
        context = {"item": None, "problem": None, "not_ready": missing.merchant_message}
    return render_template("products/import.html", mode=mode, product_id=product_id, errors={},
                           values=_initial_values(context["item"]), **context), status


@bp.post("/<int:product_id>/preview")
@embedded_view
def preview(product_id: int):
    prefs, errors = submitted_preferences()
    result, problem = None, None
    if prefs is not None:
        try:
            result = preview_import(import_context_for(settings(), g.shop), product_id, prefs)
        except ImportValidationError as invalid:
            errors = invalid.errors
        except ImportRefused as refused:
            problem = refused.merchant_message
    return make_response(render_template("products/_preview.html", preview=result,
                                         errors=errors or {}, problem=problem,
                                         values=request.form.to_dict()),
                         422 if errors else 200)


def _import_form(product_id: int, errors: dict, problem: str | None = None):
    return make_response(render_template(
        "products/_import_form.html", item=catalog_product(settings(), g.shop, product_id),
        product_id=product_id, errors=errors, values=request.form.to_dict(), problem=problem),
        422)


@bp.post("/<int:product_id>/import")
@embedded_view
def import_submit(product_id: int):
    prefs, errors = submitted_preferences()
    if prefs is None:
        return _import_form(product_id, errors)
    try:
        result = import_product(import_context_for(settings(), g.shop), product_id, prefs)
    except ImportValidationError as invalid:
        return _import_form(product_id, invalid.errors)
    except ImportRefused as refused:
        return _import_form(product_id, {}, problem=refused.merchant_message)
    return import_result(result)


def import_result(result):
    """The outcome card, with a toast that says whether Shopify took everything."""
    messages = [describe_user_error(error) for error in result.user_errors]
    response = make_response(render_template("products/_import_result.html", result=result,
                                             error_messages=messages))
    if result.ok:
        return toast(response, _("Product imported to Shopify.") if result.created
                     else _("Product updated in Shopify."))
    return toast(response, _("Shopify did not accept every change."), kind="error")


# --- link to an existing Shopify product ----------------------------------------------------

@bp.get("/<int:product_id>/link/search")
@embedded_view
def link_search(product_id: int):
    query = request.args.get("q", "").strip()[:200]
    page = search_shopify_products(import_context_for(settings(), g.shop), query,
                                   after=request.args.get("after") or None)
    return render_template("products/_shopify_results.html", page=page, query=query,
                           product_id=product_id, more=bool(request.args.get("after")))


def _shopify_product(ctx, shopify_product_id: str):
    number = shopify_product_id.rsplit("/", 1)[-1]
    if not shopify_product_id.startswith("gid://shopify/Product/") or not number.isdigit():
        abort(404)
    page = search_shopify_products(ctx, f"id:{number}", first=1)
    found = next((p for p in page.items if p.id == shopify_product_id), None)
    if found is None:
        raise ImportRefused(_("That Shopify product no longer exists. Choose another one."))
    return found


def _link_form(ctx, product_id: int, shopify_product_id: str, *, values, errors, status=200,
               item=None, chosen: dict[str, str] | None = None, problem: str | None = None):
    shopify_product = _shopify_product(ctx, shopify_product_id)
    item = item or catalog_product(settings(), g.shop, product_id)
    suggestions = suggest_variant_links(ctx, product_id, shopify_product_id,
                                        product=item.product)
    if chosen is None:
        chosen = {s.dropi_variation_id: s.shopify_variant_id or "" for s in suggestions}
    return make_response(render_template(
        "products/_link_form.html", product_id=product_id, shopify_product=shopify_product,
        suggestions=suggestions, chosen=chosen, values=values, errors=errors, problem=problem,
        item=item), status)


@bp.get("/<int:product_id>/link/mapping")
@embedded_view
def link_mapping(product_id: int):
    ctx = import_context_for(settings(), g.shop)
    item = catalog_product(settings(), g.shop, product_id)
    return _link_form(ctx, product_id, request.args.get("shopify_product_id", ""),
                      values=_initial_values(item), errors={}, item=item)


@bp.post("/<int:product_id>/link")
@embedded_view
def link_submit(product_id: int):
    ctx = import_context_for(settings(), g.shop)
    shopify_product_id = request.form.get("shopify_product_id", "")
    chosen = dict(zip(request.form.getlist("dropi_variation"),
                      request.form.getlist("shopify_variant")))
    again = {"values": request.form.to_dict(), "status": 422, "chosen": chosen}
    prefs, errors = submitted_preferences()
    try:
        if prefs is None:
            raise ImportValidationError(errors)
        result = link_product(ctx, product_id, shopify_product_id,
                              {key: vid for key, vid in chosen.items() if vid}, prefs)
    except ImportValidationError as invalid:
        return _link_form(ctx, product_id, shopify_product_id, errors=invalid.errors, **again)
    except ImportRefused as refused:
        return _link_form(ctx, product_id, shopify_product_id, errors={},
                          problem=refused.merchant_message, **again)
    return import_result(result)
