"""Supplier descriptions keep their formatting and lose anything that could run."""
from app.services.html_sanitizer import sanitize_description


def test_scripts_event_handlers_and_javascript_urls_are_removed():
    hostile = (
        '<p onclick="steal()">Bolso <b>cuero</b></p><script>alert(document.cookie)</script>'
        '<img src="https://cdn.example/a.png" onerror="alert(1)">'
        '<a href="javascript:alert(1)">ver</a><style>body{display:none}</style>'
        '<iframe src="https://evil.example"></iframe>'
    )
    clean = sanitize_description(hostile)
    for forbidden in ("<script", "onclick", "onerror", "javascript:", "<style", "<iframe", "alert"):
        assert forbidden not in clean
    assert "<p>Bolso <b>cuero</b></p>" in clean
    assert '<img src="https://cdn.example/a.png">' in clean


def test_plain_formatting_survives_and_links_get_a_safe_rel():
    html = '<ul><li>Talla M</li></ul><a href="https://dropi.co/p/1">Ficha</a>'
    clean = sanitize_description(html)
    assert "<ul><li>Talla M</li></ul>" in clean
    assert 'rel="noopener noreferrer nofollow"' in clean


def test_empty_descriptions_stay_empty():
    assert sanitize_description(None) == ""
    assert sanitize_description("   ") == ""
