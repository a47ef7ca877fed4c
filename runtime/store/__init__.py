"""The store: collections, objects, indexes, filters, vectorizers, persistence."""
