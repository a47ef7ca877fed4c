"""The rankql query language: grammar binding, typed AST, diagnostics, validation, printing, plans."""
