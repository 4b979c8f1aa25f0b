"""Azure clients: HTTP transport, proxies and trust, auth, the ARM and data-plane clients, settings and
errors.

The bottom layer: it knows HTTP and Azure's wire conventions, nothing about pools.
"""
