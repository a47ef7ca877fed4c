"""The faces people use: command line, REPL, pytest plugin for query files, relevance evaluation."""
