"""Supplier descriptions keep their formatting and lose anything that could run."""
from app.services.html_sanitizer import sanitize_description


def test_scripts_event_handlers_and_javascript_urls_are_removed():
    hostile = (
        '<p onclick="steal()">Bolso <b>cuero</b></p><script>alert(document.cookie)</script>'
        '<img src="https://cdn.shopify.com/a.png" onerror="alert(1)">'
        '<a href="javascript:alert(1)">ver</a><style>body{display:none}</style>'
        '<iframe src="https://evil.example"></iframe>'
    )
    clean = sanitize_description(hostile)
    for forbidden in ("<script", "onclick", "onerror", "javascript:", "<style", "<iframe", "alert"):
        assert forbidden not in clean
    assert "<p>Bolso <b>cuero</b></p>" in clean
    assert '<img src="https://cdn.shopify.com/a.png">' in clean


def test_plain_formatting_survives_and_links_get_a_safe_rel():
    html = '<ul><li>Talla M</li></ul><a href="https://dropi.co/p/1">Ficha</a>'
    clean = sanitize_description(html)
    assert "<ul><li>Talla M</li></ul>" in clean
    assert 'rel="noopener noreferrer nofollow"' in clean


def test_empty_descriptions_stay_empty():
    assert sanitize_description(None) == ""
    assert sanitize_description("   ") == ""


def test_images_are_kept_only_from_dropi_and_shopifys_cdn():
    html = ('<p>Foto</p><img src="https://d39ru7awumhhs2.cloudfront.net/a.png" alt="a">'
            '<img src="https://cdn.shopify.com/s/files/b.png" alt="b">'
            '<img src="https://img.dropi.co/c.png" alt="c">'
            '<img src="https://tracker.example/pixel.gif" alt="spy">'
            '<img src="https://dropi.co.evil.example/d.png" alt="lookalike">'
            '<img src="http://d39ru7awumhhs2.cloudfront.net/e.png" alt="plain http">'
            '<img src="x" onerror="alert(1)" alt="relative">')
    clean = sanitize_description(html)
    assert clean.count("<img") == 3
    for kept in ("cloudfront.net/a.png", "cdn.shopify.com/s/files/b.png", "img.dropi.co/c.png"):
        assert kept in clean
    for dropped in ("tracker.example", "evil.example", "e.png", 'alt="relative"', "spy"):
        assert dropped not in clean
