"""Tests of the faces: command line, REPL, pytest plugin, evaluation, demo, examples."""
