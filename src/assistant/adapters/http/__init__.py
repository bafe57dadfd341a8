"""The HTTP service: JSON API, desktop search page, DingTalk callbacks (see app.py and server.py)."""
