/* Hybrid fusion of two result sets in one call: contributions, merge by doc, sort, 1e-7 tie runs.
 *
 * The same arithmetic as fusion.py's numpy path, in float32 where that path is float32: compiled with
 * -ffp-contract=off so that no multiply-add is fused, and on x86-64 or arm64, where float operations are
 * IEEE single precision. A hybrid query fuses pools of a hundred or so on every run; numpy spends more
 * on its fifty calls than on the arithmetic, and this does the whole of it once.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
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
    if (view->itemsize != itemsize || view->ndim != 1 || strchr(kinds, format[0]) == NULL ||
        format[1] != '\0') {
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
        fused[m].rank = rank_of[d];
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

static PyMethodDef methods[] = {
    {"fuse", fuse, METH_VARARGS,
     "fuse(relative, sets, ranks) -> bytes of (int64 doc, float32 score, float32 secondary) records in "
     "final order, or None when a value is not finite. sets: (ids int64, values float32, weight) per "
     "result set, in fusion order; ranks: int64 uuid rank per doc id."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_fusion", "Hybrid fusion in one call (see fusion.py).", -1, methods, NULL, NULL, NULL,
    NULL};

PyMODINIT_FUNC PyInit__fusion(void) { return PyModule_Create(&module); }
