/* The inner loops of top-k (candidates.py): posting lists added into per-passage accumulators (add), the
   accumulators zeroed again (clear), posting lists' shares looked up for a few passages (look_up), and the passages
   read cut by a bound per passage (first_cut); of the ranking's term features (ranking.py): which of the query's
   concepts and word pairs a passage's presence bits hold (term_bits), the distinct keys of the candidates' bits and
   titles/sections (distinct); and of its meaning features (vectors.py): a query's dot products with the candidates'
   int8 sentence vectors (dots).

   Each replaces a handful of numpy calls made once per query term (np.add.at for each accumulator; searchsorted,
   take, compare, scatter and adds per lookup); a query makes dozens of them. Each takes all the lists of one step
   in one call: reading an array's buffer costs about as much as a short loop (~0.2 µs), and the accumulators are
   read once, not once per list. The arithmetic is numpy's: a posting
   adds weight * factor to s, rounded once for the product and once for the sum (built with -ffp-contract=off), so
   the sums are the same to the last bit.

   Arrays come in through the buffer protocol (numpy arrays, C-contiguous, one-dimensional) and are checked for
   their element type: passage numbers int64, stored weights uint16, s and key shares float64, presence bits
   int64, marks bool, contexts int32, vector codes int8. Every passage number used as an index is checked against the array it indexes.
   Nothing is allocated but distinct's hash table, and nothing returned but None or a count. The GIL is released around each loop (the
   accumulators belong to one thread: candidates._dense).

   Built by setup.py at `pip install .` (or -e); numpy's headers are not needed. */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

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

/* The data of `obj` as a 1-d array of `type` ('q' int64, 'i' int32, 'd' float64, 'H' uint16, '?' bool, 'b' int8), its length
   in *len; NULL with an exception set if it is not one (TypeError), or if the object gives no C-contiguous buffer (or
   no writable one when `writable`: numpy raises ValueError). The buffer is released by release(v), also when NULL is
   returned. */
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
    Py_ssize_t size = type == 'H' ? 2 : type == '?' || type == 'b' ? 1 : type == 'i' ? 4 : 8;
    if (b->ndim != 1 || got != type || f[1] != '\0' || b->itemsize != size) {
        const char *want = type == 'q'   ? "int64"
                           : type == 'i' ? "int32"
                           : type == 'd' ? "float64"
                           : type == 'H' ? "uint16"
                           : type == 'b' ? "int8"
                                         : "bool";
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

/* A list's passages are read in order but far apart, each a cache miss on the accumulators: the loops fetch the slots
   of the passage AHEAD postings on while they work on this one (add, clear and first_cut waited on each miss in turn). */
#define AHEAD 32

/* The passage AHEAD postings after position i of docs[0:n], or -1 when there is none or it is out of range (the loop
   refuses it when it gets there). */
static inline int64_t ahead(const int64_t *docs, Py_ssize_t i, Py_ssize_t n, Py_ssize_t size)
{
    if (i + AHEAD >= n)
        return -1;
    int64_t d = docs[i + AHEAD];
    return (uint64_t)d < (uint64_t)size ? d : -1;
}

/* Fetch the accumulators' slots of passage d for writing (none when d < 0): s, and bits and shares when written. */
static inline void fetch_for_writing(const Accumulators *a, int64_t d, int bits, int shares)
{
    if (d < 0)
        return;
    __builtin_prefetch(a->s + d, 1);
    if (bits)
        __builtin_prefetch(a->bits + d, 1);
    if (shares)
        __builtin_prefetch(a->shares + d, 1);
}

/* ---- posting lists ------------------------------------------------------------------------------------- */

/* One list of a call's `lists`: its postings, the query's factor, its bit (-1: none) and key share. */
typedef struct {
    Postings p;
    double factor, share;
    int bit;
} List;

/* Read item i of `lists` (a sequence made fast), a tuple (docs, weights, factor, bit, share), into *l; 0, or -1 with
   an exception set (release(v) frees what was read). */
static int list_at(Views *v, PyObject *lists, Py_ssize_t i, List *l, const char *who)
{
    PyObject *item = PySequence_Fast_GET_ITEM(lists, i), *o_docs, *o_weights;
    if (!PyTuple_Check(item)) {
        PyErr_Format(PyExc_TypeError, "%s: each list a tuple (docs, weights, factor, bit, share)", who);
        return -1;
    }
    if (!PyArg_ParseTuple(item, "OOdid", &o_docs, &o_weights, &l->factor, &l->bit, &l->share))
        return -1;
    if (l->bit < -1 || l->bit > 62) {
        PyErr_Format(PyExc_ValueError, "%s: bit %d out of range", who, l->bit);
        return -1;
    }
    return postings(v, o_docs, o_weights, &l->p);
}

/* What a call does with one list (its ctx: the call's accumulators and more); 0, or -1 with an exception set. */
typedef int (*ListOp)(const List *l, void *ctx);

/* Run op on each list of `lists` (a sequence made fast) in order, each read and released in turn; 0, or -1 with an
   exception set at the first list that is malformed or that op refuses. */
static int each_list(PyObject *lists, const char *who, ListOp op, void *ctx)
{
    for (Py_ssize_t i = 0; i < PySequence_Fast_GET_SIZE(lists); i++) {
        Py_buffer list_views[2];
        Views lv = {.views = list_views, .n = 0};
        List l;
        int ok = list_at(&lv, lists, i, &l, who) == 0 && op(&l, ctx) == 0;
        release(&lv);
        if (!ok)
            return -1;
    }
    return 0;
}

/* ---- add, clear ----------------------------------------------------------------------------------------- */

PyDoc_STRVAR(add_doc,
"add(lists, s, bits, shares)\n--\n\n"
"Posting lists into the accumulators, in order; each a tuple (docs, weights, factor, bit, share): for each posting,\n"
"s[doc] += weight * factor, bits[doc] |= 1 << bit (bit >= 0), shares[doc] += share (share != 0). A list holds a\n"
"passage once.");

/* One list into the accumulators (of one length, checked); 0, or -1 when a passage is out of range. */
static int add_list(const List *l, const Accumulators *a)
{
    const int64_t *docs = l->p.docs;
    const uint16_t *weights = l->p.weights;
    double *s = a->s, *shares = a->shares;
    int64_t *bits = a->bits;
    const Py_ssize_t n = l->p.n, size = a->n_s;
    const double factor = l->factor, share = l->share;
    int bad = 0;
    Py_BEGIN_ALLOW_THREADS
    const int64_t mark = l->bit >= 0 ? (int64_t)1 << l->bit : 0;
    for (Py_ssize_t i = 0; i < n; i++) {
        int64_t d = docs[i];
        if ((uint64_t)d >= (uint64_t)size) {
            bad = 1;
            break;
        }
        fetch_for_writing(a, ahead(docs, i, n, size), mark != 0, share != 0);
        s[d] += (double)weights[i] * factor;  /* (rounded as numpy rounds s[docs] += weights * factor) */
        if (mark)
            bits[d] |= mark;
        if (share != 0)
            shares[d] += share;
    }
    Py_END_ALLOW_THREADS
    return bad ? -1 : 0;
}

static int add_op(const List *l, void *a)
{
    if (add_list(l, a) < 0) {
        out_of_range("add");
        return -1;
    }
    return 0;
}

/* An add or clear call, (sequence, s, bits, shares): its sequence made fast and its accumulators read. */
typedef struct {
    PyObject *seq;
    Py_buffer views[3];
    Views v;
    Accumulators a;
} Call;

/* Open a call by `format` ("OOOO:name"); 0, or -1 with an exception set. close_call frees what it read either way. */
static int open_call(PyObject *args, const char *format, const char *not_a_sequence, Call *c)
{
    PyObject *o_seq, *o_s, *o_bits, *o_shares;
    c->seq = NULL;
    c->v = (Views){.views = c->views, .n = 0};
    if (!PyArg_ParseTuple(args, format, &o_seq, &o_s, &o_bits, &o_shares))
        return -1;
    c->seq = PySequence_Fast(o_seq, not_a_sequence);
    if (!c->seq)
        return -1;
    return accumulators(&c->v, o_s, o_bits, o_shares, &c->a);
}

/* Free what open_call read and return `result` (NULL: the exception set stands). */
static PyObject *close_call(Call *c, PyObject *result)
{
    release(&c->v);
    Py_XDECREF(c->seq);
    return result;
}

static PyObject *add(PyObject *self, PyObject *args)
{
    Call c;
    if (open_call(args, "OOOO:add", "add: lists must be a sequence", &c) < 0)
        return close_call(&c, NULL);
    if (c.a.n_bits != c.a.n_s || c.a.n_shares != c.a.n_s) {
        PyErr_SetString(PyExc_ValueError, "add: lengths differ");
        return close_call(&c, NULL);
    }
    return close_call(&c, each_list(c.seq, "add", add_op, &c.a) == 0 ? Py_NewRef(Py_None) : NULL);
}

PyDoc_STRVAR(clear_doc,
"clear(docs, s, bits, shares)\n--\n\nZero the accumulators of the passages of each array of `docs` (a sequence);\n"
"bits or shares may be empty: not written, left as they are.");

static PyObject *clear(PyObject *self, PyObject *args)
{
    Call c;
    if (open_call(args, "OOOO:clear", "clear: docs must be a sequence", &c) < 0)
        return close_call(&c, NULL);
    double *s = c.a.s, *shares = c.a.shares;
    int64_t *bits = c.a.bits;
    const Py_ssize_t size = c.a.n_s, nb = c.a.n_bits, nsh = c.a.n_shares;
    if ((nb && nb != size) || (nsh && nsh != size)) {
        PyErr_SetString(PyExc_ValueError, "clear: lengths differ");
        return close_call(&c, NULL);
    }
    for (Py_ssize_t k = 0; k < PySequence_Fast_GET_SIZE(c.seq); k++) {
        Py_buffer doc_view[1];
        Views dv = {.views = doc_view, .n = 0};
        Py_ssize_t n;
        const int64_t *docs = array(&dv, PySequence_Fast_GET_ITEM(c.seq, k), 'q', 0, "docs", &n);
        int bad = 0;
        if (docs) {
            Py_BEGIN_ALLOW_THREADS
            for (Py_ssize_t i = 0; i < n; i++) {
                int64_t d = docs[i];
                if ((uint64_t)d >= (uint64_t)size) {
                    bad = 1;
                    break;
                }
                fetch_for_writing(&c.a, ahead(docs, i, n, size), nb != 0, nsh != 0);
                s[d] = 0;
                if (nb)
                    bits[d] = 0;
                if (nsh)
                    shares[d] = 0;
            }
            Py_END_ALLOW_THREADS
        }
        release(&dv);
        if (!docs)
            return close_call(&c, NULL);
        if (bad)
            return close_call(&c, out_of_range("clear"));
    }
    return close_call(&c, Py_NewRef(Py_None));
}

/* ---- look_up ---------------------------------------------------------------------------------------------- */

PyDoc_STRVAR(look_up_doc,
"look_up(cand, lists, s, bits, shares)\n--\n\n"
"Posting lists' shares of s for the passages `cand` (sorted, each once), in place, list by list; each list a tuple\n"
"(docs, weights, factor, bit, share): where cand[i] is in `docs` (sorted) at j, s[i] += weights[j] * factor,\n"
"bits[i] |= 1 << bit (bit >= 0) and shares[i] += share (share != 0; `shares` may be empty when no list has one).\n"
"s, bits and shares are aligned with cand. Each passage is searched for from where the last was found, by doubling\n"
"steps then halving: cost ~ len(cand) * log(len(docs) / len(cand)). ValueError if cand is found out of order (it\n"
"is checked as far as it is read).");

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

/* One list's share for the candidates (lengths checked); 0, or -1 when cand is found out of order. */
static int look_up_list(const List *l, const int64_t *cand, Py_ssize_t n, const Accumulators *a)
{
    const int64_t *docs = l->p.docs;
    const uint16_t *weights = l->p.weights;
    const Py_ssize_t n_docs = l->p.n;
    double *s = a->s, *shares = a->shares;
    int64_t *bits = a->bits;
    const double factor = l->factor, share = l->share;
    int unsorted = 0;
    Py_BEGIN_ALLOW_THREADS
    const int64_t mark = l->bit >= 0 ? (int64_t)1 << l->bit : 0;
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
    return unsorted ? -1 : 0;
}

/* A look_up call's sorted candidates and accumulators. */
typedef struct {
    const int64_t *cand;
    Py_ssize_t n;
    const Accumulators *a;
} LookUp;

static int look_up_op(const List *l, void *ctx)
{
    const LookUp *c = ctx;
    if (l->share != 0 && c->a->n_shares != c->n) {
        PyErr_SetString(PyExc_ValueError, "look_up: lengths differ");
        return -1;
    }
    if (look_up_list(l, c->cand, c->n, c->a) < 0) {
        PyErr_SetString(PyExc_ValueError, "look_up: cand must be sorted, each passage once");
        return -1;
    }
    return 0;
}

static PyObject *look_up(PyObject *self, PyObject *args)
{
    PyObject *o_cand, *o_lists, *o_s, *o_bits, *o_shares;
    if (!PyArg_ParseTuple(args, "OOOOO:look_up", &o_cand, &o_lists, &o_s, &o_bits, &o_shares))
        return NULL;
    PyObject *lists = PySequence_Fast(o_lists, "look_up: lists must be a sequence");
    if (!lists)
        return NULL;
    Py_buffer views[4];
    Views v = {.views = views, .n = 0};
    Py_ssize_t n;
    Accumulators a;
    PyObject *result = NULL;
    const int64_t *cand = array(&v, o_cand, 'q', 0, "cand", &n);
    if (!cand || accumulators(&v, o_s, o_bits, o_shares, &a) < 0)
        goto done;
    if (a.n_s != n || a.n_bits != n) {
        PyErr_SetString(PyExc_ValueError, "look_up: lengths differ");
        goto done;
    }
    LookUp call = {.cand = cand, .n = n, .a = &a};
    if (each_list(lists, "look_up", look_up_op, &call) == 0)
        result = Py_NewRef(Py_None);
done:
    release(&v);
    Py_DECREF(lists);
    return result;
}

/* ---- first_cut ------------------------------------------------------------------------------------------- */

PyDoc_STRVAR(first_cut_doc,
"first_cut(docs, extra, s, shares, context_of, per_context, steps, per_step, rest, floor, seen, out) -> count\n--\n\n"
"The passages of the arrays of `docs` (a sequence; a passage may be in several), each once, then those of `extra`\n"
"(in none of them): those that pass the first cut, written to out[:count] in that order: with c = context_of[d]\n"
"(int32: read at random, half the bytes of int64) and k = ceil(shares[d] * per_step) clipped to the steps,\n"
"(s[d] + rest) * steps[k] * per_context[c] >= floor, in numpy's rounding. `seen` (bool, one per passage) must be\n"
"all False; it is left so; None when no passage is in two arrays. `out` needs room for every passage tested.");

/* The arrays a first_cut call reads, and what it writes. */
typedef struct {
    const double *s, *shares, *steps, *per_context;
    const int32_t *context_of;
    Py_ssize_t size, n_steps, n_contexts;
    double per_step, rest, floor;
    int64_t *out;
    Py_ssize_t n_out, room;
} Cut;

/* Test passage d (in range) and keep it in out if it passes; 0, or -1 when out is full or its context out of
   range. */
static inline int cut_one(Cut *c, int64_t d)
{
    int32_t context = c->context_of[d];
    if ((uint32_t)context >= (uint64_t)c->n_contexts || c->n_out >= c->room)
        return -1;
    double at = c->shares[d] * c->per_step;  /* its ceiling, clipped: (Py_ssize_t) truncates, and ceil() is a call */
    Py_ssize_t k = at <= 0                           ? 0
                   : at >= (double)(c->n_steps - 1) ? c->n_steps - 1
                                                    : (Py_ssize_t)at + ((double)(Py_ssize_t)at < at);
    c->out[c->n_out] = d;  /* (written either way, kept by the count: no branch to mispredict on the test) */
    c->n_out += (c->s[d] + c->rest) * c->steps[k] * c->per_context[context] >= c->floor;
    return 0;
}

/* Run the cut over one array of passages (unmarked ones only, marked as they are tested, when `seen`), or unmark
   them (`unmark`); 0, or -1 (out of range, or out full). */
static int cut_array(Cut *c, const int64_t *docs, Py_ssize_t n, char *seen, int unmark)
{
    int bad = 0;
    Py_BEGIN_ALLOW_THREADS
    for (Py_ssize_t i = 0; i < n; i++) {
        int64_t d = docs[i];
        if ((uint64_t)d >= (uint64_t)c->size) {
            bad = 1;
            break;
        }
        if (unmark) {
            seen[d] = 0;
            continue;
        }
        int64_t next = ahead(docs, i, n, c->size);
        if (next >= 0) {
            __builtin_prefetch(c->s + next);
            __builtin_prefetch(c->shares + next);
            __builtin_prefetch(c->context_of + next);
        }
        if (seen) {
            if (seen[d])
                continue;
            seen[d] = 1;
        }
        if (cut_one(c, d) < 0) {
            bad = 1;
            break;
        }
    }
    Py_END_ALLOW_THREADS
    return bad ? -1 : 0;
}

static const char CUT_REFUSED[] = "first_cut: an index out of range, or no room in out";

/* Each array of `seq` through cut_array; 0, or -1 with an exception set. */
static int cut_arrays(Cut *c, PyObject *seq, char *seen, int unmark)
{
    for (Py_ssize_t k = 0; k < PySequence_Fast_GET_SIZE(seq); k++) {
        Py_buffer doc_view[1];
        Views dv = {.views = doc_view, .n = 0};
        Py_ssize_t n;
        const int64_t *docs = array(&dv, PySequence_Fast_GET_ITEM(seq, k), 'q', 0, "docs", &n);
        int bad = docs ? cut_array(c, docs, n, seen, unmark) : -1;
        release(&dv);
        if (!docs)
            return -1;
        if (bad) {
            PyErr_SetString(PyExc_IndexError, CUT_REFUSED);
            return -1;
        }
    }
    return 0;
}

/* The cut over the arrays of `docs` (a sequence), each passage once (`seen` NULL: no passage is in two), `seen`
   cleared again whatever happens; 0, or -1 with an exception set (the cut's own, if it failed). */
static int cut_lists(Cut *c, PyObject *docs, char *seen)
{
    PyObject *seq = PySequence_Fast(docs, "first_cut: docs must be a sequence");
    if (!seq)
        return -1;
    int cut = cut_arrays(c, seq, seen, 0);
    if (seen) {
        PyObject *type, *value, *traceback;
        PyErr_Fetch(&type, &value, &traceback);  /* (held while the marks are cleared) */
        int unmarked = cut_arrays(c, seq, seen, 1);
        if (cut < 0) {
            PyErr_Clear();
            PyErr_Restore(type, value, traceback);
        }
        cut = cut < 0 ? cut : unmarked;
    }
    Py_DECREF(seq);
    return cut;
}

static PyObject *first_cut(PyObject *self, PyObject *args)
{
    PyObject *o_docs, *o_extra, *o_s, *o_shares, *o_context, *o_steps, *o_per_context, *o_seen, *o_out;
    Cut c = {0};
    if (!PyArg_ParseTuple(args, "OOOOOOOdddOO:first_cut", &o_docs, &o_extra, &o_s, &o_shares, &o_context,
                          &o_per_context, &o_steps, &c.per_step, &c.rest, &c.floor, &o_seen, &o_out))
        return NULL;
    Py_buffer views[8];
    Views v = {.views = views, .n = 0};
    PyObject *result = NULL;
    Py_ssize_t n_extra, n_shares, n_context, n_seen;
    const int64_t *extra = array(&v, o_extra, 'q', 0, "extra", &n_extra);
    c.s = extra ? array(&v, o_s, 'd', 0, "s", &c.size) : NULL;
    c.shares = c.s ? array(&v, o_shares, 'd', 0, "shares", &n_shares) : NULL;
    c.context_of = c.shares ? array(&v, o_context, 'i', 0, "context_of", &n_context) : NULL;
    c.per_context = c.context_of ? array(&v, o_per_context, 'd', 0, "per_context", &c.n_contexts) : NULL;
    c.steps = c.per_context ? array(&v, o_steps, 'd', 0, "steps", &c.n_steps) : NULL;
    char *seen = NULL;
    n_seen = c.size;
    if (c.steps && o_seen != Py_None)
        seen = array(&v, o_seen, '?', 1, "seen", &n_seen);
    c.out = c.steps && (seen || o_seen == Py_None) ? array(&v, o_out, 'q', 1, "out", &c.room) : NULL;
    if (!c.out)
        goto done;
    if (n_shares != c.size || n_context != c.size || n_seen != c.size || c.n_steps < 1) {
        PyErr_SetString(PyExc_ValueError, "first_cut: lengths differ");
        goto done;
    }
    if (cut_lists(&c, o_docs, seen) < 0)
        goto done;
    if (cut_array(&c, extra, n_extra, NULL, 0) < 0)
        PyErr_SetString(PyExc_IndexError, CUT_REFUSED);
    else
        result = PyLong_FromSsize_t(c.n_out);
done:
    release(&v);
    return result;
}

/* ---- term_bits -------------------------------------------------------------------------------------------- */

PyDoc_STRVAR(term_bits_doc,
"term_bits(bits, contexts, context_concepts, masks, ends, pair_masks, word_pairs, n_pairs, covered, named, pairs,\n"
"          apart)\n--\n\n"
"What the ranking's term features read of each candidate's presence bits (ranking.py), in one pass. With C = len(ends)\n"
"concepts, concept g held in the text when bits[i] holds every bit of some mask of masks[ends[g - 1]:ends[g]] (from 0\n"
"for g = 0), and named by the title/section when context_concepts[contexts[i] * C + g]: covered[i * C + g] is whether\n"
"either, named[i * C + g] whether the latter; pairs[i * P + p] whether bits[i] holds all of pair_masks[p] (P of them);\n"
"apart[i] = 1 - (how many of word_pairs bits[i] holds all of) / n_pairs, in numpy's rounding (float64; not written\n"
"when n_pairs is 0). The masks (bool) are the rows of (len(bits), C) and (len(bits), P) arrays; inputs are int64\n"
"(context_concepts bool).");

static PyObject *term_bits(PyObject *self, PyObject *args)
{
    PyObject *o_bits, *o_contexts, *o_concepts, *o_masks, *o_ends, *o_pair_masks, *o_word_pairs, *o_covered, *o_named,
        *o_pairs, *o_apart;
    Py_ssize_t n_pairs;
    if (!PyArg_ParseTuple(args, "OOOOOOOnOOOO:term_bits", &o_bits, &o_contexts, &o_concepts, &o_masks, &o_ends,
                          &o_pair_masks, &o_word_pairs, &n_pairs, &o_covered, &o_named, &o_pairs, &o_apart))
        return NULL;
    Py_buffer views[11];
    Views v = {.views = views, .n = 0};
    PyObject *result = NULL;
    Py_ssize_t n, n_contexts, n_concepts_in, n_masks, C, P, W, n_covered, n_named, n_out_pairs, n_apart;
    const int64_t *bits = array(&v, o_bits, 'q', 0, "bits", &n);
    const int64_t *contexts = bits ? array(&v, o_contexts, 'q', 0, "contexts", &n_contexts) : NULL;
    const char *concepts = contexts ? array(&v, o_concepts, '?', 0, "context_concepts", &n_concepts_in) : NULL;
    const int64_t *masks = concepts ? array(&v, o_masks, 'q', 0, "masks", &n_masks) : NULL;
    const int64_t *ends = masks ? array(&v, o_ends, 'q', 0, "ends", &C) : NULL;
    const int64_t *pair_masks = ends ? array(&v, o_pair_masks, 'q', 0, "pair_masks", &P) : NULL;
    const int64_t *word_pairs = pair_masks ? array(&v, o_word_pairs, 'q', 0, "word_pairs", &W) : NULL;
    char *covered = word_pairs ? array(&v, o_covered, '?', 1, "covered", &n_covered) : NULL;
    char *named = covered ? array(&v, o_named, '?', 1, "named", &n_named) : NULL;
    char *pairs = named ? array(&v, o_pairs, '?', 1, "pairs", &n_out_pairs) : NULL;
    double *apart = pairs ? array(&v, o_apart, 'd', 1, "apart", &n_apart) : NULL;
    if (!apart)
        goto done;
    if (n_contexts != n || n_covered != n * C || n_named != n * C || n_out_pairs != n * P
        || (n_pairs > 0 && n_apart != n) || n_pairs < 0 || (C && n_concepts_in % C)) {
        PyErr_SetString(PyExc_ValueError, "term_bits: lengths differ");
        goto done;
    }
    for (Py_ssize_t g = 0; g < C; g++) {
        if (ends[g] < (g ? ends[g - 1] : 0) || ends[g] > n_masks) {
            PyErr_SetString(PyExc_ValueError, "term_bits: ends must rise, up to len(masks)");
            goto done;
        }
    }
    const Py_ssize_t n_context_rows = C ? n_concepts_in / C : 0;
    int bad = 0;
    Py_BEGIN_ALLOW_THREADS
    for (Py_ssize_t i = 0; i < n && !bad; i++) {
        const int64_t b = bits[i], c = contexts[i];
        if (C && (uint64_t)c >= (uint64_t)n_context_rows) {
            bad = 1;
            break;
        }
        for (Py_ssize_t g = 0, k = 0; g < C; g++) {
            char held = concepts[c * C + g];
            named[i * C + g] = held;
            for (; k < ends[g]; k++)
                held |= (b & masks[k]) == masks[k];
            covered[i * C + g] = held;
        }
        for (Py_ssize_t p = 0; p < P; p++)
            pairs[i * P + p] = (b & pair_masks[p]) == pair_masks[p];
        if (n_pairs > 0) {
            int64_t count = 0;
            for (Py_ssize_t w = 0; w < W; w++)
                count += (b & word_pairs[w]) == word_pairs[w];
            apart[i] = 1 - (double)count / (double)n_pairs;
        }
    }
    Py_END_ALLOW_THREADS
    if (bad)
        out_of_range("term_bits");
    else
        result = Py_NewRef(Py_None);
done:
    release(&v);
    return result;
}

/* ---- distinct -------------------------------------------------------------------------------------------- */

PyDoc_STRVAR(distinct_doc,
"distinct(keys, first, inverse) -> count\n--\n\n"
"The distinct values of `keys` (int64) in rising order, as np.unique(keys, return_index=True, return_inverse=True)\n"
"gives them: first[:count] the position of each one's first occurrence, inverse[i] the rank of keys[i] among them\n"
"(first and inverse: intp, len(keys) places each). Found by hashing: the ranker's keys are thousands with a few\n"
"distinct (QueryRanker.upper_bound), where sorting them all took most of the time; the table grows from a fixed one\n"
"(a large allocation at each call cost page faults).");

/* A distinct key and the id it was found under (the order of first occurrence). */
typedef struct {
    int64_t value, id;
} Found;

static int by_value(const void *a, const void *b)
{
    int64_t x = ((const Found *)a)->value, y = ((const Found *)b)->value;
    return (x > y) - (x < y);
}

/* Sort found[0:n] by value (distinct): by insertion when they are few, as they mostly are. */
static void sort_found(Found *found, Py_ssize_t n)
{
    if (n > 32) {
        qsort(found, (size_t)n, sizeof(Found), by_value);
        return;
    }
    for (Py_ssize_t i = 1; i < n; i++) {
        Found f = found[i];
        Py_ssize_t j = i;
        for (; j > 0 && found[j - 1].value > f.value; j--)
            found[j] = found[j - 1];
        found[j] = f;
    }
}

/* The open-addressing table of distinct: each slot the id of a distinct key (-1 empty), the keys by id. It starts on
   the stack (the keys of a call are mostly a few distinct) and doubles, kept at most half full. */
#define FEW_SLOTS 1024

typedef struct {
    int32_t *slots;
    Found *found;
    Py_ssize_t n_slots, count;
    int32_t few_slots[FEW_SLOTS];
    Found few_found[FEW_SLOTS / 2];
} Distinct;

static Py_ssize_t slot_of(const Distinct *t, int64_t key)
{
    Py_ssize_t at = (Py_ssize_t)(((uint64_t)key * 0x9E3779B97F4A7C15ull) >> 32) & (t->n_slots - 1);
    while (t->slots[at] >= 0 && t->found[t->slots[at]].value != key)
        at = (at + 1) & (t->n_slots - 1);
    return at;
}

/* Double the table; 0, or -1 when out of memory (the table is left as it was). */
static int grow(Distinct *t)
{
    Py_ssize_t n_slots = 2 * t->n_slots;
    int32_t *slots = malloc(n_slots * sizeof(int32_t));
    Found *found = malloc(n_slots / 2 * sizeof(Found));
    if (!slots || !found) {
        free(slots);
        free(found);
        return -1;
    }
    memcpy(found, t->found, t->count * sizeof(Found));
    if (t->slots != t->few_slots) {
        free(t->slots);
        free(t->found);
    }
    t->slots = slots;
    t->found = found;
    t->n_slots = n_slots;
    for (Py_ssize_t i = 0; i < n_slots; i++)
        slots[i] = -1;
    for (Py_ssize_t d = 0; d < t->count; d++)
        slots[slot_of(t, found[d].value)] = (int32_t)d;
    return 0;
}

static PyObject *distinct(PyObject *self, PyObject *args)
{
    PyObject *o_keys, *o_first, *o_inverse;
    if (!PyArg_ParseTuple(args, "OOO:distinct", &o_keys, &o_first, &o_inverse))
        return NULL;
    Py_buffer views[3];
    Views v = {.views = views, .n = 0};
    PyObject *result = NULL;
    Py_ssize_t n, n_first, n_inverse;
    const int64_t *keys = array(&v, o_keys, 'q', 0, "keys", &n);
    int64_t *first = keys ? array(&v, o_first, 'q', 1, "first", &n_first) : NULL;
    int64_t *inverse = first ? array(&v, o_inverse, 'q', 1, "inverse", &n_inverse) : NULL;
    if (!inverse)
        goto done;
    if (n_first < n || n_inverse < n || n > INT32_MAX) {
        PyErr_SetString(PyExc_ValueError, "distinct: first and inverse need len(keys) places");
        goto done;
    }
    Distinct *t = malloc(sizeof(Distinct));  /* (~12 kB: not on the stack of a thread) */
    if (!t) {
        PyErr_NoMemory();
        goto done;
    }
    t->slots = t->few_slots;
    t->found = t->few_found;
    t->n_slots = FEW_SLOTS;
    t->count = 0;
    int failed = 0;
    Py_BEGIN_ALLOW_THREADS
    for (Py_ssize_t i = 0; i < FEW_SLOTS; i++)
        t->slots[i] = -1;
    for (Py_ssize_t i = 0; i < n && !failed; i++) {  /* inverse[i]: the id of keys[i], ids in order of first occurrence */
        Py_ssize_t at = slot_of(t, keys[i]);
        if (t->slots[at] < 0) {
            if (t->count == t->n_slots / 2) {
                failed = grow(t);
                at = slot_of(t, keys[i]);
            }
            t->slots[at] = (int32_t)t->count;
            t->found[t->count] = (Found){keys[i], t->count};
            first[t->count++] = i;
        }
        inverse[i] = t->slots[at];
    }
    if (!failed) {
        Py_ssize_t count = t->count;
        sort_found(t->found, count);
        for (Py_ssize_t r = 0; r < count; r++)  /* (the slots are done with: each id's rank) */
            t->slots[t->found[r].id] = (int32_t)r;
        for (Py_ssize_t r = 0; r < count; r++)
            t->found[r].value = first[t->found[r].id];  /* its first place, by rank */
        for (Py_ssize_t r = 0; r < count; r++)
            first[r] = t->found[r].value;
        for (Py_ssize_t i = 0; i < n; i++)
            inverse[i] = t->slots[inverse[i]];
    }
    Py_END_ALLOW_THREADS
    if (failed)
        PyErr_NoMemory();
    else
        result = PyLong_FromSsize_t(t->count);
    if (t->slots != t->few_slots) {
        free(t->slots);
        free(t->found);
    }
    free(t);
done:
    release(&v);
    return result;
}

/* ---- dots ------------------------------------------------------------------------------------------------- */

PyDoc_STRVAR(dots_doc,
"dots(codes, width, rows, query, parts, out)\n--\n\n"
"The dot products of the sentence vectors (vectors.PassageVectors): codes (int8) is a passages x width matrix,\n"
"flattened, each row holding width / len(query) vectors side by side; out[i * parts + j] is the dot product of\n"
"query (float64) with the j-th vector of row rows[i] (int64), for j < parts. Each is summed in one order fixed by\n"
"the query's length alone, so a passage gets the same number whichever rows are asked with it (top-k must equal\n"
"exhaustive scoring); no int8 row is widened into a float64 copy first, which cost numpy most of the time.");

#define DOT_LANES 4 /* independent partial sums: the compiler may keep them in vector registers */

static PyObject *dots(PyObject *self, PyObject *args)
{
    PyObject *o_codes, *o_rows, *o_query, *o_out;
    Py_ssize_t width, parts;
    if (!PyArg_ParseTuple(args, "OnOOnO:dots", &o_codes, &width, &o_rows, &o_query, &parts, &o_out))
        return NULL;
    Py_buffer views[4];
    Views v = {.views = views, .n = 0};
    PyObject *result = NULL;
    Py_ssize_t n_codes, n_rows, d, n_out;
    const signed char *codes = array(&v, o_codes, 'b', 0, "codes", &n_codes);
    const int64_t *rows = codes ? array(&v, o_rows, 'q', 0, "rows", &n_rows) : NULL;
    const double *query = rows ? array(&v, o_query, 'd', 0, "query", &d) : NULL;
    double *out = query ? array(&v, o_out, 'd', 1, "out", &n_out) : NULL;
    if (!out)
        goto done;
    if (d < 1 || width < d || width % d || parts < 1 || parts > width / d || n_codes % width
        || n_out < n_rows * parts) {
        PyErr_SetString(PyExc_ValueError, "dots: width, query, parts and out do not fit together");
        goto done;
    }
    const Py_ssize_t n_passages = n_codes / width;
    for (Py_ssize_t i = 0; i < n_rows; i++)
        if (rows[i] < 0 || rows[i] >= n_passages) {
            out_of_range("dots");
            goto done;
        }
    Py_BEGIN_ALLOW_THREADS
    for (Py_ssize_t i = 0; i < n_rows; i++) {
        for (Py_ssize_t j = 0; j < parts; j++) {
            const signed char *c = codes + rows[i] * width + j * d;
            double lane[DOT_LANES] = {0.0};
            Py_ssize_t t = 0;
            for (; t + DOT_LANES <= d; t += DOT_LANES)
                for (int l = 0; l < DOT_LANES; l++)
                    lane[l] += c[t + l] * query[t + l];
            double sum = (lane[0] + lane[1]) + (lane[2] + lane[3]);
            for (; t < d; t++)
                sum += c[t] * query[t];
            out[i * parts + j] = sum;
        }
    }
    Py_END_ALLOW_THREADS
    result = Py_NewRef(Py_None);
done:
    release(&v);
    return result;
}

static PyMethodDef methods[] = {
    {"add", add, METH_VARARGS, add_doc},
    {"clear", clear, METH_VARARGS, clear_doc},
    {"look_up", look_up, METH_VARARGS, look_up_doc},
    {"first_cut", first_cut, METH_VARARGS, first_cut_doc},
    {"term_bits", term_bits, METH_VARARGS, term_bits_doc},
    {"distinct", distinct, METH_VARARGS, distinct_doc},
    {"dots", dots, METH_VARARGS, dots_doc},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, .m_name = "_kernel",
    .m_doc = "The inner loops of top-k (candidates.py) and of the term features (ranking.py).", .m_size = -1,
    .m_methods = methods,
};

PyMODINIT_FUNC PyInit__kernel(void)
{
    return PyModule_Create(&module);
}
