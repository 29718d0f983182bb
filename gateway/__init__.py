"""Composition root: configuration, ASGI app, auth, policy, limits, telemetry.

Empty on purpose: importing ``gateway.x`` never builds an app.
"""
