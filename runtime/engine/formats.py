"""Number and time formats of Weaviate's answers: float32 strings as Go prints them, JSON floats."""

from __future__ import annotations

import math

import numpy as np

try:  # rankql's hot paths in C (_native.c), built at install when a C compiler is at hand, as hnswlib is
    from . import _native as native
except ImportError:  # pragma: no cover - without it numpy does the same work, slower
    native = None


def go_float32_f(value: float) -> str:
    """strconv.FormatFloat(float64(float32(v)), 'f', -1, 32): shortest float32 digits, never an exponent.

    This is how Weaviate renders `_additional.score` ("1.917839", "0.008333334", "0").
    """
    f = np.float32(value)
    text = str(f)  # the same shortest digits, cheaper; positional between 1e-4 and 1e16, else "e" form
    if "e" not in text and "n" not in text:  # not exponent form, nan or inf
        text = text[:-2] if text.endswith(".0") else text
        return "0" if text == "-0" else text
    if not math.isfinite(f):
        return _non_finite(f)
    text = np.format_float_positional(f, unique=True, trim="-")
    return "0" if text == "-0" else text


def go_float32_v(value: float) -> str:
    """fmt's %v of a float32: shortest digits, exponent form below 1e-4 or from 1e6 up (strconv %g) (used in explainScore)."""
    f = np.float32(value)
    if not math.isfinite(f):
        return _non_finite(f)
    if f == 0:
        return "0"
    sci = np.format_float_scientific(f, unique=True, trim="-", exp_digits=2)
    exponent = int(sci.split("e")[1])
    if exponent < -4 or exponent >= 6:
        return sci
    return np.format_float_positional(f, unique=True, trim="-")


def json_float32(value: float | None) -> float | None:
    """A float32 as a Python float whose repr is the float32's shortest digits (0.1899, not 0.18989999...)."""
    if value is None:
        return None
    # str() of a numpy float32 is its shortest unique digits too (exponent form for tiny or huge values,
    # which float() reads the same), and is cheaper than format_float_positional; nan/inf parse as well.
    return float(str(np.float32(value)))


def go_float32_f_column(values: list[float | None], none_value: str = "0") -> list[str]:
    """go_float32_f over a page of values (None gives none_value), in one C call when the module is built."""
    if native is not None:
        return native.go_float32_f(values, none_value, go_float32_f)
    return [none_value if v is None else go_float32_f(v) for v in values]


def json_float32_column(values: list[float | None]) -> list[float | None]:
    """json_float32 over a page of values (None stays None), in one C call when the module is built."""
    if native is not None:
        return native.json_float32(values, None, json_float32)
    return [json_float32(v) for v in values]


def json_vector(vector: np.ndarray | None) -> list[float] | None:
    """A stored vector as a list of float32-exact JSON numbers."""
    if vector is None:
        return None
    return [float(np.format_float_positional(x, unique=True)) for x in np.asarray(vector, dtype=np.float32)]


def _non_finite(f: np.float32) -> str:
    if math.isnan(f):
        return "NaN"
    return "+Inf" if f > 0 else "-Inf"
