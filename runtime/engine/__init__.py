"""The executor: logical plan to physical operators over the store, and GraphQL-shaped results."""
