"""Where browsers find a console: the page's URL (on the management
server's public URL) and the proxy's WebSocket address, as
createConsoleEndpoint answers them."""
from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.urls import reverse


def proxy_websocket_url(page_host: str = "", secure: bool = False) -> str:
    """The proxy's WebSocket URL: CONSOLE_PROXY_URL, or the page's host
    name on CONSOLE_PROXY_PORT."""
    if settings.CONSOLE_PROXY_URL:
        return settings.CONSOLE_PROXY_URL
    host = urlsplit(f"//{page_host}").hostname or urlsplit(settings.PUBLIC_URL).hostname or "127.0.0.1"
    if ":" in host:
        host = f"[{host}]"
    return f"{'wss' if secure else 'ws'}://{host}:{settings.CONSOLE_PROXY_PORT}/"


def console_endpoint(token: str) -> dict:
    """createConsoleEndpoint's answer for a freshly issued token."""
    public = urlsplit(settings.PUBLIC_URL)
    websocket = urlsplit(proxy_websocket_url(public.netloc, secure=public.scheme == "https"))
    return {
        "success": True,
        "url": settings.PUBLIC_URL.rstrip("/") + reverse("compute:console") + "?" + urlencode({"token": token}),
        "websocket": {"host": websocket.hostname, "port": str(websocket.port or (443 if websocket.scheme == "wss"
                                                                                 else 80)),
                      "path": websocket.path.lstrip("/"), "token": token},
    }
