"""The rankql engine: an embedded store, executor and rerankers behind Weaviate's Get language."""
