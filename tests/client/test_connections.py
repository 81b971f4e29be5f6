"""The proxy the Bot API client takes from the environment, as httpx's own clients would."""

import pytest

from telegram.connections import environment_proxy


def test_the_environments_proxy_is_used_unless_no_proxy_covers_the_host(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy", "NO_PROXY", "no_proxy"):
        monkeypatch.delenv(name, raising=False)
    assert environment_proxy("https://api.telegram.org") is None
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.example:3128")
    assert environment_proxy("https://api.telegram.org") == "http://proxy.example:3128"
    assert environment_proxy("http://127.0.0.1:8081") is None, "no HTTP proxy named"
    monkeypatch.setenv("NO_PROXY", "telegram.org")
    assert environment_proxy("https://api.telegram.org") is None
