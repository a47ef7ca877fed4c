"""Rerankers: providers, the score cache, and batched scoring for a whole Get."""
