"""Text as the app stores it: no control characters (NUL, escape sequences, DEL, C1).

PostgreSQL refuses NUL in text and no merchant means any of them; tab, line feed and carriage
return stay. The request boundary applies this to every query and form value, and services
apply it to text that reaches them another way (a stored job, a test, a script).
"""
from __future__ import annotations

import re

CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def without_control_characters(text: str) -> str:
    return CONTROL_CHARACTERS.sub("", text)
