"""Secrets never reach disk: the API key's value, URL userinfo and key-like query parameters are masked."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from urllib.parse import urlsplit, urlunsplit

MASK = "[redacted]"
_USERINFO = re.compile(r"(?P<scheme>[A-Za-z][A-Za-z0-9+.-]*://)[^/@\s\"']+@")
_KEY_QUERY = re.compile(
    r"(?P<name>[?&](?:api[_-]?key|key|token|access[_-]?token|secret)=)[^&#\s\"']+", re.IGNORECASE
)


def redact_url(url: str) -> str:
    """The URL without userinfo and with key-like query parameters masked."""
    parts = urlsplit(url)
    netloc = parts.netloc
    if "@" in netloc:  # no brackets here: the masked URL must still parse (brackets mean an IPv6 host)
        netloc = MASK.strip("[]") + "@" + netloc.rsplit("@", 1)[1]
    masked = urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))
    return _KEY_QUERY.sub(lambda m: m.group("name") + MASK, masked)


def url_secrets(url: str) -> list[str]:
    """The secret parts of a URL (user, password, key-like query values), to mask wherever they appear."""
    parts = urlsplit(url)
    found = [s for s in (parts.username, parts.password) if s]
    found += [m.group(0).split("=", 1)[1] for m in _KEY_QUERY.finditer(url)]
    return found


class Redactor:
    """Masks the given secret values, URL userinfo and key-like query parameters in text and JSON values."""

    def __init__(self, secrets: Iterable[str | None] = ()) -> None:
        # very short values would mask ordinary text; real keys are long
        self.secrets = sorted({s for s in secrets if s and len(s) >= 4}, key=len, reverse=True)

    def text(self, value: str) -> str:
        for secret in self.secrets:
            if secret in value:
                value = value.replace(secret, MASK)
        value = _USERINFO.sub(lambda m: m.group("scheme") + MASK + "@", value)
        return _KEY_QUERY.sub(lambda m: m.group("name") + MASK, value)

    def json(self, value: object) -> object:
        """A JSON value with every string masked (through its text, so nesting depth costs no recursion)."""
        text = json.dumps(value, ensure_ascii=False)
        masked = self.text(text)
        return value if masked == text else json.loads(masked)
