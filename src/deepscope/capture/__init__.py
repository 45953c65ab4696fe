"""Framework adapters: hooks that turn tensors into small summaries on the device.

Each adapter imports its framework itself; nothing above imports an adapter eagerly. Adapters
never import the run layer: they receive a :class:`WatchSink` to hand their records to.
"""
