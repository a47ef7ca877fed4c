"""The grammar file and the driver: lark's own LALR parser accepts exactly what the fast driver accepts."""

from __future__ import annotations

import string
from pathlib import Path

import lark
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from rankql.dsl import QueryError
from rankql.dsl.casefile import read_case_file
from rankql.dsl.frontend import parse_syntax
from rankql.dsl.lalr import build_lark, grammar_text, tables

CASES = Path(__file__).parent / "cases"
CORPUS = [c.query for p in sorted(CASES.glob("*.graphql")) for c in read_case_file(p).cases]


def _lark_accepts(text: str) -> bool:
    try:
        build_lark().parse(text)
    except lark.exceptions.LarkError:
        return False
    return True


def _we_accept(text: str) -> bool | None:
    """True/False, or None for a bad string escape: lark's grammar does not decode strings, we do."""
    try:
        parse_syntax(text)
    except QueryError as err:
        return None if err.code == "Q005" else False
    return True


def _agree(text: str) -> None:
    ours = _we_accept(text)
    assume(ours is not None)
    assert _lark_accepts(text) == ours


def test_the_grammar_builds_and_every_rule_has_a_builder() -> None:
    t = tables()
    assert t.actions and t.start_state != t.end_state


def test_the_grammar_names_no_weaviate_argument() -> None:
    text = grammar_text()
    rules = [line for line in text.splitlines() if line and not line.lstrip().startswith("//")]
    for word in ("nearText", "hybrid", "where", "limit", "bm25", "Get", '"query"'):
        assert not any(word in line for line in rules), word


@pytest.mark.parametrize("text", CORPUS)
def test_lark_and_the_driver_agree_on_the_corpus(text: str) -> None:
    ours = _we_accept(text)
    if ours is not None:
        assert _lark_accepts(text) == ours


ALPHABET = string.ascii_letters[:6] + '{}()[]:$=!@.,"\\ \n#0123456789-eE'


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet=ALPHABET, max_size=40))
def test_lark_and_the_driver_agree_on_random_text(text: str) -> None:
    _agree(text)


@settings(max_examples=300, deadline=None)
@given(
    st.sampled_from(CORPUS),
    st.integers(min_value=0, max_value=400),
    st.integers(0, 4),
    st.text(ALPHABET, max_size=3),
)
def test_lark_and_the_driver_agree_on_mutated_queries(text: str, at: int, cut: int, insert: str) -> None:
    at = at % (len(text) + 1)
    _agree(text[:at] + insert + text[at + cut :])


def test_the_scanner_skips_white_space_and_comments_in_its_fast_form() -> None:
    # the grammar's IGNORED is the one lalr.py rewrites; a change to it must change both
    from rankql.dsl import lalr

    assert lalr.tables().scanner.pattern.startswith(lalr._FAST_SKIP)
