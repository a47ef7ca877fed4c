"""The C float32 printing (_native.c) against the numpy implementations in formats.py, digit for digit."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rankql.runtime.engine import formats
from rankql.runtime.engine.formats import go_float32_f, go_float32_f_column, json_float32, json_float32_column

native = formats.native
pytestmark = pytest.mark.skipif(
    native is None, reason="the C module was not built (see test_the_c_module_is_built)"
)


def _numpy_go(values: list) -> list:
    return ["0" if v is None else go_float32_f(v) for v in values]


def _numpy_json(values: list) -> list:
    return [None if v is None else json_float32(v) for v in values]


def _check(values: list) -> None:
    assert go_float32_f_column(values) == _numpy_go(values)
    got, want = json_float32_column(values), _numpy_json(values)
    assert [repr(v) for v in got] == [repr(v) for v in want]  # repr: also the sign of -0.0


def test_edges_and_every_power_of_two_and_its_neighbours() -> None:
    powers = np.array([np.float32(2.0) ** e for e in range(-149, 128)], dtype=np.float32)
    around = [powers, np.nextafter(powers, np.float32(np.inf)), np.nextafter(powers, np.float32(0))]
    values = np.concatenate([*around, *(-a for a in around)]).tolist()
    values += [0.0, -0.0, 1.0, 0.1, 1e-4, 9.999999e-5, 1e16, 1e-5, 3.4028235e38, 1.1754944e-38, 1.4e-45]
    values += [0.5 / 60, 1.917839, 0.18989999592304230, 123456789, 16777215, 8388608.5, 1e6, 999999.94, 7]
    _check(values)


@pytest.mark.filterwarnings("ignore:overflow encountered")
def test_none_and_non_finite_values_take_the_python_path() -> None:
    values = [None, float("nan"), float("inf"), -float("inf"), 1e300, 2.5]
    _check(values)
    assert go_float32_f_column([None, 1.0], none_value="-") == ["-", "1"]


def test_random_bit_patterns() -> None:
    """200,000 float32 of every magnitude, subnormals included (the check compares the shortest digits)."""
    bits = np.random.default_rng(3).integers(0, 2**32, 200_000, dtype=np.uint64).astype(np.uint32)
    values = bits.view(np.float32)
    _check(values[np.isfinite(values)].tolist())


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.one_of(st.none(), st.floats(allow_nan=False, allow_infinity=False, width=32)), max_size=20)
)
def test_any_page_of_values(values: list) -> None:
    _check(values)
