"""The pool model: spec facts and defaults, mapping, normalisation, pure diff rules, validation, secrets,
naming, ownership.

Pure functions over ARM-shaped pool bodies; depends only on ``azure_clients`` (its settings and errors).
"""
