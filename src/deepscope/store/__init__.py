"""Write side: the on-disk schema, columnar scalar chunks, the SQLite store, the writer."""
