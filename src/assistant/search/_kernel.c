/* The inner loops of top-k (candidates.py): posting lists added into per-passage accumulators (add), the
   accumulators zeroed again (clear), and a posting list's share looked up for a few passages (look_up).

   Each replaces a handful of numpy calls made once per query term (np.add.at for each accumulator; searchsorted,
   take, compare, scatter and adds per lookup); a query makes dozens of them. The arithmetic is numpy's: a posting
   adds weight * factor to s, rounded once for the product and once for the sum (built with -ffp-contract=off), so
   the sums are the same to the last bit.

   Arrays come in through the buffer protocol (numpy arrays, C-contiguous, one-dimensional) and are checked for
   their element type: passage numbers int64, stored weights uint16, s and key shares float64, presence bits
   int64. Every passage number used as an index is checked against the array it indexes. Nothing is allocated
   and nothing returned but None. The GIL is released around each loop (the accumulators belong to one thread:
   candidates._dense).

   Built by setup.py at `pip install .` (or -e); numpy's headers are not needed. */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>

/* ---- arrays ------------------------------------------------------------------------------------------- */

typedef struct {
    Py_buffer *views;  /* room for as many as the function reads */
    Py_ssize_t n;
} Views;

static void release(Views *v)
{
    for (Py_ssize_t i = 0; i < v->n; i++)
        PyBuffer_Release(&v->views[i]);
    v->n = 0;
}

/* The data of `obj` as a 1-d array of `type` ('q' int64, 'd' float64, 'H' uint16), its length in *len; NULL with
   an exception set if it is not one (TypeError), or if the object gives no C-contiguous buffer (or no writable one
   when `writable`: numpy raises ValueError). The buffer is released by release(v), also when NULL is returned. */
static void *array(Views *v, PyObject *obj, char type, int writable, const char *name, Py_ssize_t *len)
{
    Py_buffer *b = &v->views[v->n];
    int flags = PyBUF_C_CONTIGUOUS | PyBUF_FORMAT | (writable ? PyBUF_WRITABLE : 0);
    if (PyObject_GetBuffer(obj, b, flags) < 0)
        return NULL;
    v->n++;
    const char *f = b->format ? b->format : "B";
    if (*f == '@' || *f == '=')
        f++;
    char got = *f == 'l' && b->itemsize == 8 ? 'q' : *f;  /* int64 is 'l' on LP64 systems */
    Py_ssize_t size = type == 'H' ? 2 : 8;
    if (b->ndim != 1 || got != type || f[1] != '\0' || b->itemsize != size) {
        const char *want = type == 'q' ? "int64" : type == 'd' ? "float64" : "uint16";
        PyErr_Format(PyExc_TypeError, "%s: a one-dimensional %s array expected (format '%s')", name, want,
                     b->format ? b->format : "?");
        return NULL;
    }
    *len = b->shape[0];
    return b->buf;
}

static PyObject *out_of_range(const char *what)
{
    PyErr_Format(PyExc_IndexError, "%s: an index out of range", what);
    return NULL;
}

/* A posting list: passage numbers (int64) and their stored weights (uint16), of one length. */
typedef struct {
    const int64_t *docs;
    const uint16_t *weights;
    Py_ssize_t n;
} Postings;

/* Read a posting list into *p; 0, or -1 with an exception set (release(v) frees what was read). */
static int postings(Views *v, PyObject *o_docs, PyObject *o_weights, Postings *p)
{
    Py_ssize_t n_weights;
    p->docs = array(v, o_docs, 'q', 0, "docs", &p->n);
    p->weights = p->docs ? array(v, o_weights, 'H', 0, "weights", &n_weights) : NULL;
    if (!p->weights)
        return -1;
    if (n_weights != p->n) {
        PyErr_SetString(PyExc_ValueError, "docs and weights: lengths differ");
        return -1;
    }
    return 0;
}

/* The accumulators every function writes: s (float64), bits (int64) and shares (float64), writable, each with its
   length. */
typedef struct {
    double *s;
    int64_t *bits;
    double *shares;
    Py_ssize_t n_s, n_bits, n_shares;
} Accumulators;

/* Read the three accumulators into *a; 0, or -1 with an exception set (release(v) frees what was read). */
static int accumulators(Views *v, PyObject *o_s, PyObject *o_bits, PyObject *o_shares, Accumulators *a)
{
    a->s = array(v, o_s, 'd', 1, "s", &a->n_s);
    a->bits = a->s ? array(v, o_bits, 'q', 1, "bits", &a->n_bits) : NULL;
    a->shares = a->bits ? array(v, o_shares, 'd', 1, "shares", &a->n_shares) : NULL;
    return a->shares ? 0 : -1;
}

/* ---- add, clear ----------------------------------------------------------------------------------------- */

PyDoc_STRVAR(add_doc,
"add(docs, weights, factor, bit, share, s, bits, shares)\n--\n\n"
"One posting list into the accumulators: for each posting, s[doc] += weight * factor, bits[doc] |= 1 << bit\n"
"(bit >= 0), shares[doc] += share (share != 0). A list holds a passage once.");

static PyObject *add(PyObject *self, PyObject *args)
{
    PyObject *o_docs, *o_weights, *o_s, *o_bits, *o_shares;
    double factor, share;
    int bit;
    if (!PyArg_ParseTuple(args, "OOdidOOO:add", &o_docs, &o_weights, &factor, &bit, &share, &o_s, &o_bits,
                          &o_shares))
        return NULL;
    if (bit < -1 || bit > 62)
        return PyErr_Format(PyExc_ValueError, "add: bit %d out of range", bit);
    Py_buffer views[5];
    Views v = {.views = views, .n = 0};
    Postings p;
    Accumulators a;
    if (postings(&v, o_docs, o_weights, &p) < 0 || accumulators(&v, o_s, o_bits, o_shares, &a) < 0) {
        release(&v);
        return NULL;
    }
    const int64_t *docs = p.docs;
    const uint16_t *weights = p.weights;
    double *s = a.s, *shares = a.shares;
    int64_t *bits = a.bits;
    const Py_ssize_t n = p.n, size = a.n_s;
    if (a.n_bits != size || a.n_shares != size) {
        release(&v);
        return PyErr_Format(PyExc_ValueError, "add: lengths differ");
    }
    int bad = 0;
    Py_BEGIN_ALLOW_THREADS
    const int64_t mark = bit >= 0 ? (int64_t)1 << bit : 0;
    for (Py_ssize_t i = 0; i < n; i++) {
        int64_t d = docs[i];
        if ((uint64_t)d >= (uint64_t)size) {
            bad = 1;
            break;
        }
        s[d] += (double)weights[i] * factor;  /* (rounded as numpy rounds s[docs] += weights * factor) */
        if (mark)
            bits[d] |= mark;
        if (share != 0)
            shares[d] += share;
    }
    Py_END_ALLOW_THREADS
    release(&v);
    if (bad)
        return out_of_range("add");
    Py_RETURN_NONE;
}

PyDoc_STRVAR(clear_doc,
"clear(docs, s, bits, shares)\n--\n\nZero the accumulators of the passages `docs`; bits or shares may be empty:\n"
"not written, left as they are.");

static PyObject *clear(PyObject *self, PyObject *args)
{
    PyObject *o_docs, *o_s, *o_bits, *o_shares;
    if (!PyArg_ParseTuple(args, "OOOO:clear", &o_docs, &o_s, &o_bits, &o_shares))
        return NULL;
    Py_buffer views[4];
    Views v = {.views = views, .n = 0};
    Py_ssize_t n;
    Accumulators a;
    const int64_t *docs = array(&v, o_docs, 'q', 0, "docs", &n);
    if (!docs || accumulators(&v, o_s, o_bits, o_shares, &a) < 0) {
        release(&v);
        return NULL;
    }
    double *s = a.s, *shares = a.shares;
    int64_t *bits = a.bits;
    const Py_ssize_t size = a.n_s, nb = a.n_bits, nsh = a.n_shares;
    if ((nb && nb != size) || (nsh && nsh != size)) {
        release(&v);
        return PyErr_Format(PyExc_ValueError, "clear: lengths differ");
    }
    int bad = 0;
    Py_BEGIN_ALLOW_THREADS
    for (Py_ssize_t i = 0; i < n; i++) {
        int64_t d = docs[i];
        if ((uint64_t)d >= (uint64_t)size) {
            bad = 1;
            break;
        }
        s[d] = 0;
        if (nb)
            bits[d] = 0;
        if (nsh)
            shares[d] = 0;
    }
    Py_END_ALLOW_THREADS
    release(&v);
    if (bad)
        return out_of_range("clear");
    Py_RETURN_NONE;
}

/* ---- look_up ---------------------------------------------------------------------------------------------- */

PyDoc_STRVAR(look_up_doc,
"look_up(cand, docs, weights, factor, bit, share, s, bits, shares)\n--\n\n"
"One posting list's share of s for the passages `cand` (sorted, each once), in place: where cand[i] is in `docs`\n"
"(sorted) at j, s[i] += weights[j] * factor, bits[i] |= 1 << bit (bit >= 0) and shares[i] += share (share != 0;\n"
"`shares` may then be empty). s, bits and shares are aligned with cand. Each passage is searched for from where\n"
"the last was found, by doubling steps then halving: cost ~ len(cand) * log(len(docs) / len(cand)). ValueError\n"
"if cand is found out of order (it is checked as far as it is read).");

/* The first position in a[lo:n] holding a value >= x (n if none): steps of 1, 2, 4 ... from lo, then halving. */
static inline Py_ssize_t gallop(const int64_t *a, Py_ssize_t lo, Py_ssize_t n, int64_t x)
{
    Py_ssize_t step = 1, hi = lo;
    while (hi < n && a[hi] < x) {
        lo = hi + 1;
        hi += step;
        step *= 2;
    }
    if (hi > n)
        hi = n;
    while (lo < hi) {  /* a[lo - 1] < x (or lo is the start), a[hi] >= x (or hi == n) */
        Py_ssize_t mid = lo + (hi - lo) / 2;
        if (a[mid] < x)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static PyObject *look_up(PyObject *self, PyObject *args)
{
    PyObject *o_cand, *o_docs, *o_weights, *o_s, *o_bits, *o_shares;
    double factor, share;
    int bit;
    if (!PyArg_ParseTuple(args, "OOOdidOOO:look_up", &o_cand, &o_docs, &o_weights, &factor, &bit, &share, &o_s,
                          &o_bits, &o_shares))
        return NULL;
    if (bit < -1 || bit > 62)
        return PyErr_Format(PyExc_ValueError, "look_up: bit %d out of range", bit);
    Py_buffer views[6];
    Views v = {.views = views, .n = 0};
    Py_ssize_t n;
    Postings p;
    Accumulators a;
    const int64_t *cand = array(&v, o_cand, 'q', 0, "cand", &n);
    if (!cand || postings(&v, o_docs, o_weights, &p) < 0 || accumulators(&v, o_s, o_bits, o_shares, &a) < 0) {
        release(&v);
        return NULL;
    }
    const int64_t *docs = p.docs;
    const uint16_t *weights = p.weights;
    const Py_ssize_t n_docs = p.n;
    double *s = a.s, *shares = a.shares;
    int64_t *bits = a.bits;
    if (a.n_s != n || a.n_bits != n || (share != 0 && a.n_shares != n)) {
        release(&v);
        return PyErr_Format(PyExc_ValueError, "look_up: lengths differ");
    }
    int unsorted = 0;
    Py_BEGIN_ALLOW_THREADS
    const int64_t mark = bit >= 0 ? (int64_t)1 << bit : 0;
    Py_ssize_t j = 0;
    for (Py_ssize_t i = 0; i < n && j < n_docs; i++) {
        if (i && cand[i] <= cand[i - 1]) {
            unsorted = 1;
            break;
        }
        j = gallop(docs, j, n_docs, cand[i]);
        if (j < n_docs && docs[j] == cand[i]) {
            s[i] += (double)weights[j] * factor;
            bits[i] |= mark;
            if (share != 0)
                shares[i] += share;
        }
    }
    Py_END_ALLOW_THREADS
    release(&v);
    if (unsorted)
        return PyErr_Format(PyExc_ValueError, "look_up: cand must be sorted, each passage once");
    Py_RETURN_NONE;
}

static PyMethodDef methods[] = {
    {"add", add, METH_VARARGS, add_doc},
    {"clear", clear, METH_VARARGS, clear_doc},
    {"look_up", look_up, METH_VARARGS, look_up_doc},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, .m_name = "_kernel", .m_doc = "The inner loops of top-k (candidates.py).", .m_size = -1,
    .m_methods = methods,
};

PyMODINIT_FUNC PyInit__kernel(void)
{
    return PyModule_Create(&module);
}
