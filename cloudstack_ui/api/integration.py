"""The integration API (guide 5.2.2): the command API without
authentication, as the root admin, at `/` of a port bound to 127.0.0.1 only.
Off unless the global setting integration.api.port is set."""
from django.core.asgi import get_asgi_application

django_asgi_app = get_asgi_application()


async def integration_application(scope, receive, send):
    """Serves `/` (and `/client/api`) as the command API, marking the scope
    so the dispatcher acts as the root admin; anything else is a 404."""
    if scope["type"] == "http" and scope["path"] in ("/", "/client/api"):
        scope = dict(scope, path="/client/api", raw_path=b"/client/api", csui_integration=True)
        await django_asgi_app(scope, receive, send)
        return
    if scope["type"] == "http":
        await send({"type": "http.response.start", "status": 404,
                    "headers": [(b"content-type", b"text/plain; charset=utf-8")]})
        await send({"type": "http.response.body", "body": b"The integration API answers at / only.\n"})
        return
    if scope["type"] == "lifespan":
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await send({"type": "lifespan.shutdown.complete"})
                return
