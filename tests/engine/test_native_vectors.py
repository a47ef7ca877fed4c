"""The C vector helpers (_native.c) against the Python they stand in for: variable keys, float32 vectors."""

from __future__ import annotations

import numpy as np
import pytest
from rankql.runtime.engine import _float_list_key_py, _variables_key, formats
from rankql.runtime.engine.operators import float32_vector

native = formats.native
pytestmark = pytest.mark.skipif(
    native is None, reason="the C module was not built (see test_the_c_module_is_built)"
)


def test_a_vector_key_is_its_float64_bytes_and_only_exact_floats_have_one() -> None:
    rng = np.random.default_rng(5)
    vector = rng.normal(size=384).tolist() + [0.0, -0.0, float("nan"), float("inf"), 1e300, 5e-324]
    assert native.float_list_key(vector) == _float_list_key_py(vector)
    for odd in (1, True, np.float64(1.0), "1.0", None, [1.0]):
        assert native.float_list_key([*vector, odd]) is None is _float_list_key_py([*vector, odd])
    assert native.float_list_key(tuple(vector)) is None  # a tuple is not taken for a list
    assert native.float_list_key([]) == b""


def test_variables_that_the_binder_tells_apart_never_share_a_key() -> None:
    floats = [float(i) for i in range(20)]
    ints = list(range(20))
    keys = {
        _variables_key({"v": floats}),
        _variables_key({"v": ints}),
        _variables_key({"v": [*floats[:-1], True]}),
    }
    assert len(keys) == 3
    assert _variables_key({"v": floats}) == _variables_key({"v": list(floats)})
    assert _variables_key({"v": [0.0] * 20}) != _variables_key({"v": [-0.0] * 20})


@pytest.mark.filterwarnings("ignore:overflow encountered")
def test_a_float32_vector_rounds_as_numpy_does() -> None:
    bits = np.random.default_rng(7).integers(0, 2**64, 100_000, dtype=np.uint64)
    doubles = bits.view(np.float64)
    doubles = doubles[np.isfinite(doubles) & (np.abs(doubles) <= np.finfo(np.float32).max)].tolist()
    doubles += [0.0, -0.0, float("nan"), float("inf"), -float("inf"), 3.4028235e38, 1e-46, 0.1]
    got, want = float32_vector(doubles), np.asarray(doubles, dtype=np.float32)
    assert got.dtype == np.float32 and got.tobytes() == want.tobytes()
    assert native.float32_bytes([1e300]) is None and np.isinf(float32_vector([1e300])[0])  # numpy decides
    assert native.float32_bytes([1, 2.0]) is None and float32_vector([1, 2.0]).tolist() == [1.0, 2.0]
