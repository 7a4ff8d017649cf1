"""The in-browser VNC console (guide 6.9, "View Console"): single-use
tokens (tokens.py), the RFB opening the proxy performs so the VNC password
stays on the server (rfb.py), and the websockify proxy itself (proxy.py),
run by `manage.py consoleproxy`."""
