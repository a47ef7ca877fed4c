/* rankql's hot paths in C: hybrid fusion in one call (fusion.py), float32 numbers printed as Weaviate
 * prints them (formats.py), vector variables as cache keys and float32 query vectors (engine/__init__.py,
 * operators.py). Python code does the same work when this module could not be built.
 *
 * fuse: contributions, merge by doc, sort and 1e-7 tie runs of two result sets. The same arithmetic as
 * fusion.py's numpy path, in float32 where that path is float32: compiled with
 * -ffp-contract=off so that no multiply-add is fused, and on x86-64 or arm64, where float operations are
 * IEEE single precision. A hybrid query fuses pools of a hundred or so on every run; numpy spends more
 * on its fifty calls than on the arithmetic, and this does the whole of it once.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    int64_t doc;
    float value;
    float contribution;
} Entry;

typedef struct {
    int64_t doc;
    int64_t rank;
    float score;
    float secondary;
} Fused;

/* inside a run of scores within 1e-7: secondary value descending, then uuid rank ascending */
static int by_tie_break(const void *a, const void *b) {
    const Fused *x = a, *y = b;
    if (x->secondary != y->secondary) return x->secondary > y->secondary ? -1 : 1;
    return (x->rank > y->rank) - (x->rank < y->rank);
}

/* A float's bits as an unsigned key in the float's ascending order (finite values; -0 just below +0). */
static uint32_t ascending_bits(float f) {
    uint32_t b;
    memcpy(&b, &f, 4);
    return (b & 0x80000000u) ? ~b : (b | 0x80000000u);
}

static void sort_keys(uint64_t *a, Py_ssize_t n) {
    /* quicksort on plain integers (no comparator calls), insertion sort below 16 */
    while (n > 16) {
        uint64_t pivot = a[n / 2], t;
        Py_ssize_t i = 0, j = n - 1;
        while (i <= j) {
            while (a[i] < pivot) i++;
            while (a[j] > pivot) j--;
            if (i <= j) {
                t = a[i], a[i] = a[j], a[j] = t;
                i++, j--;
            }
        }
        if (j + 1 < n - i) {  /* recurse into the smaller part, loop on the larger */
            sort_keys(a, j + 1);
            a += i, n -= i;
        } else {
            sort_keys(a + i, n - i);
            n = j + 1;
        }
    }
    for (Py_ssize_t i = 1; i < n; i++) {
        uint64_t v = a[i];
        Py_ssize_t j = i;
        for (; j > 0 && a[j - 1] > v; j--) a[j] = a[j - 1];
        a[j] = v;
    }
}

static int get_buffer(PyObject *obj, Py_buffer *view, Py_ssize_t itemsize, const char *kinds) {
    if (PyObject_GetBuffer(obj, view, PyBUF_C_CONTIGUOUS | PyBUF_FORMAT) < 0) return -1;
    const char *format = view->format ? view->format : "B";
    if (format[0] == '<' || format[0] == '=' || format[0] == '@') format++;
    if (view->itemsize != itemsize || view->ndim != 1 || format[0] == '\0' ||
        strchr(kinds, format[0]) == NULL || format[1] != '\0') {
        PyBuffer_Release(view);
        PyErr_SetString(PyExc_TypeError, "fuse: ids must be int64 and values float32, one-dimensional");
        return -1;
    }
    return 0;
}

/* fuse(relative, sets, ranks) -> bytes of (int64 doc, float32 score, float32 secondary) records in final
 * order, or None when a value is not finite.
 * sets: a sequence of (ids int64, values float32, weight float); ranks: int64 uuid rank per doc id. */
static PyObject *fuse(PyObject *self, PyObject *args) {
    (void)self;
    int relative;
    PyObject *sets, *ranks_obj;
    if (!PyArg_ParseTuple(args, "pOO", &relative, &sets, &ranks_obj)) return NULL;
    PyObject *seq = PySequence_Fast(sets, "fuse: sets must be a sequence");
    if (seq == NULL) return NULL;
    Py_ssize_t nsets = PySequence_Fast_GET_SIZE(seq);
    if (nsets > 16) {
        Py_DECREF(seq);
        PyErr_SetString(PyExc_ValueError, "fuse: at most 16 sets");
        return NULL;
    }
    Py_buffer ids[16], values[16], ranks;
    double weights[16];
    Py_ssize_t got = 0, total = 0;
    PyObject *result = NULL;
    Entry *entries = NULL;
    Fused *fused = NULL, *sorted = NULL, *fused_tmp = NULL;
    Py_ssize_t *table = NULL;
    uint64_t *keys = NULL;
    int have_ranks = 0;

    for (; got < nsets; got++) {
        PyObject *item = PySequence_Fast_GET_ITEM(seq, got);
        PyObject *id_obj, *value_obj;
        if (!PyArg_ParseTuple(item, "OOd", &id_obj, &value_obj, &weights[got])) goto done;
        if (get_buffer(id_obj, &ids[got], 8, "lq") < 0) goto done;
        if (get_buffer(value_obj, &values[got], 4, "f") < 0) {
            PyBuffer_Release(&ids[got]);
            goto done;
        }
        if (ids[got].shape[0] != values[got].shape[0]) {
            PyBuffer_Release(&ids[got]);
            PyBuffer_Release(&values[got]);
            PyErr_SetString(PyExc_ValueError, "fuse: ids and values differ in length");
            goto done;
        }
        total += ids[got].shape[0];
    }
    if (get_buffer(ranks_obj, &ranks, 8, "lq") < 0) goto done;
    have_ranks = 1;

    entries = PyMem_Malloc(sizeof(Entry) * (total ? total : 1));
    fused = PyMem_Malloc(sizeof(Fused) * (total ? total : 1));
    sorted = PyMem_Malloc(sizeof(Fused) * (total ? total : 1));
    if (entries == NULL || fused == NULL || sorted == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    Py_ssize_t k = 0;
    for (Py_ssize_t s = 0; s < nsets; s++) {
        const int64_t *doc = ids[s].buf;
        const float *v = values[s].buf;
        Py_ssize_t n = ids[s].shape[0];
        if (n == 0) continue;
        float lo = v[0], hi = v[0];
        for (Py_ssize_t i = 0; i < n; i++) {
            if (!isfinite(v[i])) {  /* the numpy path orders NaN and infinities as before */
                result = Py_None;
                Py_INCREF(result);
                goto done;
            }
            if (v[i] < lo) lo = v[i];
            if (v[i] > hi) hi = v[i];
        }
        const float weight = (float)weights[s];
        const float range = hi - lo;
        for (Py_ssize_t i = 0; i < n; i++) {
            float c;
            if (!relative) {
                c = (float)(weights[s] / (double)(60 + i)); /* weight / (rank + 60) in double, then float */
            } else if (hi == lo) {
                c = weight;
            } else {
                float t = v[i] - lo;
                t = t / range;
                c = weight * t;
            }
            if (!isfinite(c)) { /* huge values overflow the normalisation: the numpy path orders those */
                result = Py_None;
                Py_INCREF(result);
                goto done;
            }
            entries[k].doc = doc[i];
            entries[k].value = v[i];
            entries[k].contribution = c;
            k++;
        }
    }
    const int64_t *rank_of = ranks.buf;
    Py_ssize_t nranks = ranks.shape[0], m = 0;
    /* merge by doc in entry order (set by set) through an open-addressing table of row numbers */
    Py_ssize_t slots = 64;
    int shift = 58; /* multiplicative hashing keeps the top log2(slots) bits */
    while (slots < 2 * k) slots *= 2, shift--;
    table = PyMem_Malloc(sizeof(Py_ssize_t) * slots);
    keys = PyMem_Malloc(sizeof(uint64_t) * (k ? k : 1));
    if (table == NULL || keys == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    for (Py_ssize_t i = 0; i < slots; i++) table[i] = -1;
    for (Py_ssize_t i = 0; i < k; i++) {
        int64_t d = entries[i].doc;
        if (d < 0 || d >= nranks) {
            PyErr_SetString(PyExc_IndexError, "fuse: a doc id has no uuid rank");
            goto done;
        }
        Py_ssize_t slot = (Py_ssize_t)(((uint64_t)d * 0x9E3779B97F4A7C15ull) >> shift);
        while (table[slot] >= 0 && fused[table[slot]].doc != d) slot = (slot + 1) & (slots - 1);
        if (table[slot] >= 0) {
            /* a doc of both sets: float32 sum, and the later set's raw value as the secondary key */
            Fused *f = &fused[table[slot]];
            f->score = f->score + entries[i].contribution;
            f->secondary = entries[i].value;
            continue;
        }
        table[slot] = m;
        fused[m].doc = d;
        fused[m].rank = -1; /* read from rank_of only where a tie run needs it: fewer cache misses */
        fused[m].score = entries[i].contribution;
        fused[m].secondary = entries[i].value;
        m++;
    }
    /* by score descending (the tie runs below order equal scores): key = ~score bits, row number */
    for (Py_ssize_t i = 0; i < m; i++) keys[i] = ((uint64_t)~ascending_bits(fused[i].score) << 32) | (uint64_t)i;
    sort_keys(keys, m);
    for (Py_ssize_t i = 0; i < m; i++) sorted[i] = fused[keys[i] & 0xFFFFFFFFu];
    fused_tmp = fused;
    fused = sorted;
    sorted = fused_tmp;
    /* a run of scores within 1e-7 of the run's first counts as tied: tie-breaks alone order it */
    Py_ssize_t begin = 0;
    for (Py_ssize_t i = 1; i <= m; i++) {
        if (i == m || (double)fused[begin].score - (double)fused[i].score >= 1e-7) {
            Py_ssize_t len = i - begin;
            for (Py_ssize_t a = begin; len > 1 && a < i; a++) fused[a].rank = rank_of[fused[a].doc];
            if (len > 32) {
                qsort(fused + begin, (size_t)len, sizeof(Fused), by_tie_break);
            } else if (len > 1) {
                for (Py_ssize_t a = begin + 1; a < i; a++) {
                    Fused v = fused[a];
                    Py_ssize_t b = a;
                    for (; b > begin && by_tie_break(&fused[b - 1], &v) > 0; b--) fused[b] = fused[b - 1];
                    fused[b] = v;
                }
            }
            begin = i;
        }
    }
    /* packed records (int64 doc, float32 score, float32 secondary): numpy reads them without a copy */
    result = PyBytes_FromStringAndSize(NULL, m * 16);
    if (result == NULL) goto done;
    char *out = PyBytes_AS_STRING(result);
    for (Py_ssize_t i = 0; i < m; i++, out += 16) {
        memcpy(out, &fused[i].doc, 8);
        memcpy(out + 8, &fused[i].score, 4);
        memcpy(out + 12, &fused[i].secondary, 4);
    }

done:
    for (Py_ssize_t s = 0; s < got; s++) {
        PyBuffer_Release(&ids[s]);
        PyBuffer_Release(&values[s]);
    }
    if (have_ranks) PyBuffer_Release(&ranks);
    PyMem_Free(entries);
    PyMem_Free(fused);
    PyMem_Free(sorted);
    PyMem_Free(table);
    PyMem_Free(keys);
    Py_DECREF(seq);
    return result;
}

/* --- float32 numbers as Weaviate prints them (formats.py) ---------------------------------------- */

/* The shortest decimal that reads back as the same float32, and of those the nearest (ties to even): the
 * digits Go's strconv and numpy's Dragon4 print. Computed as in Ulf Adams' Ryu (PLDI 2018): the interval
 * of decimals that round to the float is scaled by a power of 10 with exact 64x64-bit products, then
 * digits are removed while the interval still holds one; the multipliers are powers of 5, scaled. */
/* floor(2^(pow5bits(i) - 1 + 59) / 5^i) + 1 and the top 61 bits of 5^i (5^i, scaled) */
static const uint64_t POW5_INV[31] = {
    576460752303423489ull, 461168601842738791ull, 368934881474191033ull,
    295147905179352826ull, 472236648286964522ull, 377789318629571618ull,
    302231454903657294ull, 483570327845851670ull, 386856262276681336ull,
    309485009821345069ull, 495176015714152110ull, 396140812571321688ull,
    316912650057057351ull, 507060240091291761ull, 405648192073033409ull,
    324518553658426727ull, 519229685853482763ull, 415383748682786211ull,
    332306998946228969ull, 531691198313966350ull, 425352958651173080ull,
    340282366920938464ull, 544451787073501542ull, 435561429658801234ull,
    348449143727040987ull, 557518629963265579ull, 446014903970612463ull,
    356811923176489971ull, 570899077082383953ull, 456719261665907162ull,
    365375409332725730ull};
static const uint64_t POW5[47] = {
    1152921504606846976ull, 1441151880758558720ull, 1801439850948198400ull,
    2251799813685248000ull, 1407374883553280000ull, 1759218604441600000ull,
    2199023255552000000ull, 1374389534720000000ull, 1717986918400000000ull,
    2147483648000000000ull, 1342177280000000000ull, 1677721600000000000ull,
    2097152000000000000ull, 1310720000000000000ull, 1638400000000000000ull,
    2048000000000000000ull, 1280000000000000000ull, 1600000000000000000ull,
    2000000000000000000ull, 1250000000000000000ull, 1562500000000000000ull,
    1953125000000000000ull, 1220703125000000000ull, 1525878906250000000ull,
    1907348632812500000ull, 1192092895507812500ull, 1490116119384765625ull,
    1862645149230957031ull, 1164153218269348144ull, 1455191522836685180ull,
    1818989403545856475ull, 2273736754432320594ull, 1421085471520200371ull,
    1776356839400250464ull, 2220446049250313080ull, 1387778780781445675ull,
    1734723475976807094ull, 2168404344971008868ull, 1355252715606880542ull,
    1694065894508600678ull, 2117582368135750847ull, 1323488980084844279ull,
    1654361225106055349ull, 2067951531382569187ull, 1292469707114105741ull,
    1615587133892632177ull, 2019483917365790221ull};

static uint32_t pow5bits(int32_t e) { return (uint32_t)(((uint32_t)e * 1217359u) >> 19) + 1; }
static uint32_t log10_pow2(int32_t e) { return ((uint32_t)e * 78913u) >> 18; }
static uint32_t log10_pow5(int32_t e) { return ((uint32_t)e * 732923u) >> 20; }

static int multiple_of_pow5(uint32_t value, uint32_t p) {
    uint32_t count = 0;
    while (value % 5 == 0 && value != 0) value /= 5, count++;
    return count >= p;
}

static uint32_t mul_shift(uint32_t m, uint64_t factor, int32_t shift) {
    return (uint32_t)(((unsigned __int128)m * factor) >> shift);
}

/* Finite, nonzero f as digits * 10^exponent with the fewest digits. */
static void shortest(float f, uint32_t *digits, int32_t *exponent) {
    uint32_t bits;
    memcpy(&bits, &f, 4);
    const uint32_t mantissa = bits & 0x7FFFFFu, biased = (bits >> 23) & 0xFFu;
    int32_t e2;
    uint32_t m2;
    if (biased == 0) {
        e2 = 1 - 127 - 23 - 2;
        m2 = mantissa;
    } else {
        e2 = (int32_t)biased - 127 - 23 - 2;
        m2 = (1u << 23) | mantissa;
    }
    const int accept_bounds = (m2 & 1) == 0;
    const uint32_t mv = 4 * m2, mp = 4 * m2 + 2;
    const uint32_t mm_shift = mantissa != 0 || biased <= 1;
    const uint32_t mm = 4 * m2 - 1 - mm_shift;
    uint32_t vr, vp, vm;
    int32_t e10;
    int vm_trailing_zeros = 0, vr_trailing_zeros = 0;
    uint32_t last_removed = 0;
    if (e2 >= 0) {
        const uint32_t q = log10_pow2(e2);
        e10 = (int32_t)q;
        const int32_t k = 59 + (int32_t)pow5bits((int32_t)q) - 1;
        const int32_t i = -e2 + (int32_t)q + k;
        vr = mul_shift(mv, POW5_INV[q], i);
        vp = mul_shift(mp, POW5_INV[q], i);
        vm = mul_shift(mm, POW5_INV[q], i);
        if (q != 0 && (vp - 1) / 10 <= vm / 10) {
            const int32_t l = 59 + (int32_t)pow5bits((int32_t)q - 1) - 1;
            last_removed = mul_shift(mv, POW5_INV[q - 1], -e2 + (int32_t)q - 1 + l) % 10;
        }
        if (q <= 9) {
            if (mv % 5 == 0) {
                vr_trailing_zeros = multiple_of_pow5(mv, q);
            } else if (accept_bounds) {
                vm_trailing_zeros = multiple_of_pow5(mm, q);
            } else {
                vp -= multiple_of_pow5(mp, q);
            }
        }
    } else {
        const uint32_t q = log10_pow5(-e2);
        e10 = (int32_t)q + e2;
        const int32_t i = -e2 - (int32_t)q;
        const int32_t k = (int32_t)pow5bits(i) - 61;
        int32_t j = (int32_t)q - k;
        vr = mul_shift(mv, POW5[i], j);
        vp = mul_shift(mp, POW5[i], j);
        vm = mul_shift(mm, POW5[i], j);
        if (q != 0 && (vp - 1) / 10 <= vm / 10) {
            j = (int32_t)q - 1 - ((int32_t)pow5bits(i + 1) - 61);
            last_removed = mul_shift(mv, POW5[i + 1], j) % 10;
        }
        if (q <= 1) {
            vr_trailing_zeros = 1;
            if (accept_bounds) {
                vm_trailing_zeros = mm_shift == 1;
            } else {
                --vp;
            }
        } else if (q < 31) {
            vr_trailing_zeros = (mv & ((1u << (q - 1)) - 1)) == 0;
        }
    }
    int32_t removed = 0;
    uint32_t output;
    if (vm_trailing_zeros || vr_trailing_zeros) {
        while (vp / 10 > vm / 10) {
            vm_trailing_zeros &= vm % 10 == 0;
            vr_trailing_zeros &= last_removed == 0;
            last_removed = vr % 10;
            vr /= 10, vp /= 10, vm /= 10;
            ++removed;
        }
        if (vm_trailing_zeros) {
            while (vm % 10 == 0) {
                vr_trailing_zeros &= last_removed == 0;
                last_removed = vr % 10;
                vr /= 10, vp /= 10, vm /= 10;
                ++removed;
            }
        }
        if (vr_trailing_zeros && last_removed == 5 && vr % 2 == 0) last_removed = 4; /* ...50..0: to even */
        output = vr + ((vr == vm && (!accept_bounds || !vm_trailing_zeros)) || last_removed >= 5);
    } else {
        while (vp / 10 > vm / 10) {
            last_removed = vr % 10;
            vr /= 10, vp /= 10, vm /= 10;
            ++removed;
        }
        output = vr + (vr == vm || last_removed >= 5);
    }
    int32_t exp = e10 + removed;
    while (output >= 10 && output % 10 == 0) output /= 10, exp++;
    *digits = output;
    *exponent = exp;
}

/* A float (or int) whose float32 is finite: the float32 in *f. */
static int as_finite_float32(PyObject *item, float *f) {
    if (!PyFloat_Check(item) && !PyLong_Check(item)) return 0;
    double d = PyFloat_AsDouble(item);
    if (d == -1.0 && PyErr_Occurred()) {
        PyErr_Clear();
        return 0;
    }
    *f = (float)d;
    return isfinite(*f);
}

/* Go's strconv.FormatFloat(float64(f), 'f', -1, 32): positional, shortest digits; "-0" is "0". */
static PyObject *go_text(float f) {
    if (f == 0.0f) return PyUnicode_FromString("0");
    uint32_t digits;
    int32_t exp;
    shortest(f, &digits, &exp);
    char d[16], out[80];
    int n = snprintf(d, sizeof d, "%u", digits), o = 0;
    if (f < 0) out[o++] = '-';
    int point = n + exp; /* digits before the decimal point */
    if (exp >= 0) {
        memcpy(out + o, d, n), o += n;
        for (int z = 0; z < exp; z++) out[o++] = '0';
    } else if (point > 0) {
        memcpy(out + o, d, point), o += point;
        out[o++] = '.';
        memcpy(out + o, d + point, n - point), o += n - point;
    } else {
        out[o++] = '0', out[o++] = '.';
        for (int z = 0; z < -point; z++) out[o++] = '0';
        memcpy(out + o, d, n), o += n;
    }
    return PyUnicode_FromStringAndSize(out, o);
}

static const double POW10[23] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8,  1e9,  1e10, 1e11,
                                 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

/* The Python float whose repr is f's shortest digits (0.1899, not 0.18989999592304230). */
static PyObject *json_number(float f) {
    if (f == 0.0f) return PyFloat_FromDouble((double)f); /* keeps the sign of -0 */
    uint32_t digits;
    int32_t exp;
    shortest(f, &digits, &exp);
    if (exp >= -22 && exp <= 22) {
        /* digits < 2**32 and 10**|exp| are exact doubles, and one multiplication or division of exact
         * doubles is correctly rounded: the double nearest digits * 10**exp, as reading the text gives. */
        double value = exp >= 0 ? (double)digits * POW10[exp] : (double)digits / POW10[-exp];
        return PyFloat_FromDouble(f < 0 ? -value : value);
    }
    char text[40];
    snprintf(text, sizeof text, "%s%ue%d", f < 0 ? "-" : "", digits, exp);
    double value = PyOS_string_to_double(text, NULL, NULL);
    if (value == -1.0 && PyErr_Occurred()) return NULL;
    return PyFloat_FromDouble(value);
}

/* values -> one result per value: None gives none_value, a non-finite float32 fallback(value). */
static PyObject *map_floats(PyObject *args, PyObject *(*convert)(float)) {
    PyObject *values, *none_value, *fallback;
    if (!PyArg_ParseTuple(args, "OOO", &values, &none_value, &fallback)) return NULL;
    PyObject *seq = PySequence_Fast(values, "values must be a sequence");
    if (seq == NULL) return NULL;
    Py_ssize_t n = PySequence_Fast_GET_SIZE(seq);
    PyObject *out = PyList_New(n);
    if (out == NULL) {
        Py_DECREF(seq);
        return NULL;
    }
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *item = PySequence_Fast_GET_ITEM(seq, i), *result;
        float f;
        if (item == Py_None) {
            Py_INCREF(none_value);
            result = none_value;
        } else if (as_finite_float32(item, &f)) {
            result = convert(f);
        } else {
            result = PyObject_CallOneArg(fallback, item);
        }
        if (result == NULL) {
            Py_DECREF(out);
            Py_DECREF(seq);
            return NULL;
        }
        PyList_SET_ITEM(out, i, result);
    }
    Py_DECREF(seq);
    return out;
}

static PyObject *go_float32_f(PyObject *self, PyObject *args) {
    (void)self;
    return map_floats(args, go_text);
}

static PyObject *json_float32(PyObject *self, PyObject *args) {
    (void)self;
    return map_floats(args, json_number);
}

/* A list of exact Python floats as their float64 bytes (a cache key of a vector variable); None when the
 * value is not a list or an item is not exactly a float (an int, a bool or a float subclass). */
static PyObject *float_list_key(PyObject *self, PyObject *list) {
    (void)self;
    if (!PyList_CheckExact(list)) Py_RETURN_NONE;
    Py_ssize_t n = PyList_GET_SIZE(list);
    PyObject *out = PyBytes_FromStringAndSize(NULL, n * (Py_ssize_t)sizeof(double));
    if (out == NULL) return NULL;
    double *values = (double *)PyBytes_AS_STRING(out);
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *item = PyList_GET_ITEM(list, i);
        if (!PyFloat_CheckExact(item)) {
            Py_DECREF(out);
            Py_RETURN_NONE;
        }
        values[i] = PyFloat_AS_DOUBLE(item);
    }
    return out;
}

/* A list of exact Python floats as float32 bytes, each rounded to nearest as numpy's cast rounds; None
 * when the value is not a list, an item is not exactly a float, or a finite one is beyond float32's range
 * (numpy then decides). */
static PyObject *float32_bytes(PyObject *self, PyObject *list) {
    (void)self;
    if (!PyList_CheckExact(list)) Py_RETURN_NONE;
    Py_ssize_t n = PyList_GET_SIZE(list);
    PyObject *out = PyBytes_FromStringAndSize(NULL, n * (Py_ssize_t)sizeof(float));
    if (out == NULL) return NULL;
    float *values = (float *)PyBytes_AS_STRING(out);
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *item = PyList_GET_ITEM(list, i);
        double d;
        if (!PyFloat_CheckExact(item) || (isfinite(d = PyFloat_AS_DOUBLE(item)) && fabs(d) > FLT_MAX)) {
            Py_DECREF(out);
            Py_RETURN_NONE;
        }
        values[i] = (float)d;
    }
    return out;
}

static PyMethodDef methods[] = {
    {"fuse", fuse, METH_VARARGS,
     "fuse(relative, sets, ranks) -> bytes of (int64 doc, float32 score, float32 secondary) records in "
     "final order, or None when a value is not finite. sets: (ids int64, values float32, weight) per "
     "result set, in fusion order; ranks: int64 uuid rank per doc id."},
    {"go_float32_f", go_float32_f, METH_VARARGS,
     "go_float32_f(values, none_value, fallback) -> list: each value's float32 as Go's FormatFloat(v, 'f', -1, "
     "32); None gives none_value, a value whose float32 is not finite gives fallback(value)."},
    {"json_float32", json_float32, METH_VARARGS,
     "json_float32(values, none_value, fallback) -> list: floats whose repr is each float32's shortest "
     "digits; None gives none_value, a value whose float32 is not finite gives fallback(value)."},
    {"float_list_key", float_list_key, METH_O,
     "float_list_key(value) -> bytes of float64 values, or None unless value is a list of exact floats."},
    {"float32_bytes", float32_bytes, METH_O,
     "float32_bytes(value) -> bytes of float32 values rounded to nearest, or None unless value is a list of "
     "exact floats within float32's range (or not finite)."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_native", "rankql's hot paths in C: hybrid fusion, float32 printing, vector keys and float32 vectors.", -1, methods, NULL, NULL, NULL,
    NULL};

PyMODINIT_FUNC PyInit__native(void) { return PyModule_Create(&module); }
