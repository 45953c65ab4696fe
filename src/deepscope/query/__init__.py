"""Read side: the :class:`Reader` contract every consumer reads through, and its implementations."""
