"""The lifecycle: create, update, read and delete as steps with their compensations, waits and status.

Uses the Azure clients to move a pool through its life; knows nothing of the Pulumi engine.
"""
