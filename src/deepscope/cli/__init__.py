"""The ``deepscope`` command line: one small module per command group."""
