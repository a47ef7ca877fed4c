"""The GraphQL grammar of rankql, as data (query.lark)."""
