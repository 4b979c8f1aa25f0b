"""The status gate (``python -m pulumi_azure_batch_pool status``): pipelines' exit-code check and orphan
finder.

The top layer next to the engine adapter: reads pools with the lifecycle's code, outside the engine.
"""
