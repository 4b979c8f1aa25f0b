"""The engine adapter: the ``BatchPool`` resource, the dynamic provider the engine runs, engine logging.

The top layer next to the status gate: Pulumi types in, lifecycle calls out.
"""
