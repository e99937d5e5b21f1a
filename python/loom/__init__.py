"""loom's Python side: model export helpers (and, later, the ctypes binding of
compiled models)."""
