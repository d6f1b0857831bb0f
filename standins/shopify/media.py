"""Product media: images from URLs (the stand-in stores the URL; every image is READY at
once). Planned first, applied after, like the rest of productSet."""
from __future__ import annotations

from standins.shopify.records import DomainError


def _error(path, message, code):
    return DomainError.single([str(p) for p in path], message, code)


def plan_files(product, files_in, prefix) -> list[dict] | None:
    if files_in is None:
        return None
    media_ids = {m["id"] for m in (product or {}).get("_media", [])}
    planned = []
    for index, file_in in enumerate(files_in):
        path = prefix + [index]
        if file_in.get("id"):
            if file_in["id"] not in media_ids:
                raise _error(path + ["id"], "File does not exist", "NOT_FOUND")
        else:
            _check_source(file_in.get("originalSource"), file_in.get("contentType"), path)
        planned.append(file_in)
    return planned


def plan_media_inputs(media_in, prefix) -> list[dict]:
    for index, media in enumerate(media_in):
        kind = media.get("mediaContentType")
        _check_source(media.get("originalSource"), "IMAGE" if kind == "IMAGE" else kind,
                      prefix + [index])
    return [{"originalSource": m["originalSource"], "alt": m.get("alt")} for m in media_in]


def _check_source(source, content_type, path) -> None:
    if content_type not in (None, "IMAGE"):
        raise _error(path + ["contentType"], f"{content_type} files are not supported by the "
                     "local Shopify stand-in; use images", "INVALID_INPUT")
    if not source or not str(source).lower().startswith(("http://", "https://")):
        raise _error(path + ["originalSource"], "Image URL is invalid", "INVALID_INPUT")


def apply_files(shop, product, planned: list[dict]) -> None:
    existing = {m["id"]: m for m in product["_media"]}
    by_source = {m["originalSource"]["url"]: m for m in product["_media"]}
    result = []
    for file_in in planned:
        media = existing.get(file_in.get("id")) or by_source.get(file_in.get("originalSource"))
        if media is None:
            media = new_media(shop, file_in["originalSource"], file_in.get("alt"))
        elif file_in.get("alt") is not None:
            media["alt"] = media["image"]["altText"] = file_in["alt"]
        if media not in result:
            result.append(media)
    product["_media"] = result
    kept = {m["id"] for m in result}
    for variant_id in product["_variants"]:
        variant = shop.variants[variant_id]
        variant["_media"] = [m for m in variant["_media"] if m in kept]


def append_media(shop, product, planned: list[dict]) -> None:
    for media_in in planned:
        product["_media"].append(new_media(shop, media_in["originalSource"], media_in.get("alt")))


def variant_media(shop, product, file_in) -> str:
    for media in product["_media"]:
        if media["id"] == file_in.get("id") or (
                media["originalSource"]["url"] == file_in.get("originalSource")):
            return media["id"]
    _check_source(file_in.get("originalSource"), file_in.get("contentType"), ["file"])
    media = new_media(shop, file_in["originalSource"], file_in.get("alt"))
    product["_media"].append(media)
    return media["id"]


def new_media(shop, source: str, alt: str | None) -> dict:
    number, media_id = shop.new_id("MediaImage")
    now = shop.now()
    image = {"__typename": "Image", "id": f"gid://shopify/ProductImage/{number}", "url": source,
             "altText": alt, "width": None, "height": None, "originalSrc": source,
             "src": source, "thumbhash": None}
    return {"__typename": "MediaImage", "id": media_id, "alt": alt, "mediaContentType": "IMAGE",
            "status": "READY", "fileStatus": "READY", "createdAt": now, "updatedAt": now,
            "mimeType": None, "fileErrors": [], "mediaErrors": [], "mediaWarnings": [],
            "image": image, "originalSource": {"__typename": "MediaImageOriginalSource",
                                               "url": source, "fileSize": None},
            "preview": {"__typename": "MediaPreviewImage", "image": image, "status": "READY"}}
