"""Tests of the store: collections, objects, vectors, vectorizers, persistence."""
