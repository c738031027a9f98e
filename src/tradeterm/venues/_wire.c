/* Optional C decoder of Binance market-data text: depth updates, trades, hftbacktest lines.
 *
 * Plain CPython C API. tradeterm.venues.wire loads it (setup.py builds it, optional) and
 * holds the Python twins; TRADETERM_KERNELS=numpy turns it off. Every function reads only
 * the plain layout Binance sends (compact JSON, ASCII, no escapes, integers without
 * fraction or exponent, at most 18 digits) and answers None for anything else, so the
 * caller falls back to its orjson path and that path's errors. No object is made before
 * the whole text has been read and found plain.
 *
 * depth(text) -> (U, u, pu or None, E, symbol, bids, asks) or None
 *     A depthUpdate object, plain or inside a combined-stream wrapper
 *     {"stream":"...","data":{...}}, as str or bytes. Keys in any order, each once:
 *     "e" (must be "depthUpdate"), "E", "s", "U", "u", "b", "a", optional "T" and "pu";
 *     any other key gives None. Each level is ["price","size"] with plain number strings
 *     (ASCII digits, at most one '.', a digit first, at most 200 characters: what
 *     tradeterm.domain._book.parse makes itself); the pairs are (Decimal, Decimal) tuples
 *     of fresh Decimals equal to Decimal(text), digit for digit (see _wire_numbers.h).
 *
 * trade(text) -> (id, price, qty, T, buyer_is_maker) or None
 *     A trade object (plain or wrapped): keys "t", "p", "q", "T", "m" required, "e", "E",
 *     "s", "b", "a", "M", "X" allowed, nothing else. price and qty are the strings as sent.
 *
 * hft_items(text, start, end, count, index, first) -> (items or None, stop)
 *     Up to ``count`` hftbacktest lines ("<receive ns> <message>", split at '\n' as
 *     str.split does, numbered from ``first``) of text[start:end], as a list of
 *     (ts, index, lineno, body), and where the next line starts. None instead of the list
 *     when a line does not start with ASCII digits and a space: the caller reads those
 *     lines (text[start:stop]) its own way. ``body`` is the text after the first space, or, for a message that starts
 *     with {"stream":" and ends with }} (the replay's whole-message test), the tuple
 *     (stream, value, body): value is the bookTicker's ``u`` as the replay slices it (the
 *     digits after the first "u": up to the next ','), the trade tuple trade() gives for a
 *     @trade stream, else None (None also when the text is not plain).
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static PyObject *Decimal = NULL; /* decimal.Decimal */

typedef struct {
    const char *p; /* next byte */
    const char *end;
} Cur;

typedef struct {
    const char *s;
    Py_ssize_t n;
} Span;

#include "_wire_numbers.h"
#include "_wire_json.h"

/* ---- levels as Decimal pairs ----------------------------------------------------------- */

/* The spans' (price, size) strings as a list of (Decimal, Decimal) tuples. */
static PyObject *
pairs(const Spans *sp)
{
    const Span *spans = sp->items;
    Py_ssize_t count = sp->n / 2;
    PyObject *out = PyList_New(count);
    if (out == NULL) {
        return NULL;
    }
    /* empty slots must not be seen by code the constructor may run (gc.get_objects()) */
    PyObject_GC_UnTrack(out);
    for (Py_ssize_t i = 0; i < count; i++) {
        PyObject *price = number(&spans[2 * i]);
        if (price == NULL) {
            goto fail;
        }
        PyObject *size = number(&spans[2 * i + 1]);
        if (size == NULL) {
            Py_DECREF(price);
            goto fail;
        }
        PyObject *pair = PyTuple_New(2);
        if (pair == NULL) {
            Py_DECREF(price);
            Py_DECREF(size);
            goto fail;
        }
        int atomic = Py_IS_TYPE(price, (PyTypeObject *)Decimal) &&
                     Py_IS_TYPE(size, (PyTypeObject *)Decimal);
        PyTuple_SET_ITEM(pair, 0, price);
        PyTuple_SET_ITEM(pair, 1, size);
        if (atomic) {
            PyObject_GC_UnTrack(pair); /* as _book.parse: no references to walk */
        }
        PyList_SET_ITEM(out, i, pair);
    }
    PyObject_GC_Track(out);
    return out;
fail:
    /* (the unfilled slots are NULL; list dealloc skips them) */
    Py_DECREF(out);
    return NULL;
}

/* ---- depth ---------------------------------------------------------------------------- */

enum { K_E = 1, K_EV = 2, K_T = 4, K_S = 8, K_FIRST = 16, K_LAST = 32, K_PU = 64, K_B = 128,
       K_A = 256 };

/* Read a depthUpdate; 1 read (fields set), 0 not plain, -1 error. */
static int
read_depth(Cur *c, long long *ids, Span *symbol, Spans *bids, Spans *asks, int *has_pu)
{
    Span stream, k, v;
    if (!open_message(c, &stream)) {
        return 0;
    }
    c->p++; /* '{' */
    unsigned seen = 0;
    long long ignored;
    for (;;) {
        if (!key(c, &k)) {
            return 0;
        }
        unsigned bit;
        int ok;
        if (KEY_IS(k, "e")) {
            bit = K_EV;
            ok = string(c, &v) && KEY_IS(v, "depthUpdate");
        } else if (KEY_IS(k, "E")) {
            bit = K_E;
            ok = integer(c, &ids[3]);
        } else if (KEY_IS(k, "T")) {
            bit = K_T;
            ok = integer(c, &ignored);
        } else if (KEY_IS(k, "s")) {
            bit = K_S;
            ok = string(c, symbol);
        } else if (KEY_IS(k, "U")) {
            bit = K_FIRST;
            ok = integer(c, &ids[0]);
        } else if (KEY_IS(k, "u")) {
            bit = K_LAST;
            ok = integer(c, &ids[1]);
        } else if (KEY_IS(k, "pu")) {
            bit = K_PU;
            ok = integer(c, &ids[2]);
        } else if (KEY_IS(k, "b") || KEY_IS(k, "a")) {
            bit = k.s[0] == 'b' ? K_B : K_A;
            if (seen & bit) {
                return 0;
            }
            int r = levels(c, bit == K_B ? bids : asks);
            if (r <= 0) {
                return r;
            }
            ok = 1;
        } else {
            return 0;
        }
        if (!ok || (seen & bit)) {
            return 0;
        }
        seen |= bit;
        if (LIT(c, "}")) {
            break;
        }
        if (!LIT(c, ",")) {
            return 0;
        }
    }
    unsigned needed = K_EV | K_E | K_S | K_FIRST | K_LAST | K_B | K_A;
    if ((seen & needed) != needed || !close_message(c, &stream)) {
        return 0;
    }
    *has_pu = (seen & K_PU) != 0;
    return 1;
}

static PyObject *
depth(PyObject *self, PyObject *text)
{
    Cur c;
    if (!text_of(text, &c)) {
        Py_RETURN_NONE;
    }
    long long ids[4] = {0, 0, 0, 0}; /* U, u, pu, E */
    Span symbol = {NULL, 0};
    Spans bid_spans = {bid_spans.local, 0, SPANS_LOCAL};
    Spans ask_spans = {ask_spans.local, 0, SPANS_LOCAL};
    int has_pu = 0;
    PyObject *result = NULL, *bids = NULL, *asks = NULL, *name = NULL;
    int r = read_depth(&c, ids, &symbol, &bid_spans, &ask_spans, &has_pu);
    if (r <= 0) {
        result = r < 0 ? NULL : Py_NewRef(Py_None);
        goto done;
    }
    bids = pairs(&bid_spans);
    asks = bids == NULL ? NULL : pairs(&ask_spans);
    name = asks == NULL ? NULL : new_text(symbol.s, symbol.n);
    if (name == NULL) {
        goto done;
    }
    PyObject *pu = has_pu ? PyLong_FromLongLong(ids[2]) : Py_NewRef(Py_None);
    if (pu != NULL) {
        result = Py_BuildValue("(LLNLOOO)", ids[0], ids[1], pu, ids[3], name, bids, asks);
    }
done:
    Py_XDECREF(bids);
    Py_XDECREF(asks);
    Py_XDECREF(name);
    spans_free(&bid_spans);
    spans_free(&ask_spans);
    return result;
}

/* ---- trades --------------------------------------------------------------------------- */

/* A trade's fields as a new tuple, Py_None (new reference) when not plain, NULL on error. */
static PyObject *
read_trade(Cur *c)
{
    Span stream, k, v, price = {0}, qty = {0}; /* set before use (seen & 31): for the compiler */
    long long id = 0, when = 0, ignored;
    int maker = 0, flag;
    unsigned seen = 0;
    if (!open_message(c, &stream)) {
        Py_RETURN_NONE;
    }
    c->p++;
    for (;;) {
        if (!key(c, &k) || k.n != 1) {
            Py_RETURN_NONE;
        }
        unsigned bit = 0;
        int ok;
        switch (k.s[0]) {
        case 't': bit = 1; ok = integer(c, &id); break;
        case 'p': bit = 2; ok = string(c, &price); break;
        case 'q': bit = 4; ok = string(c, &qty); break;
        case 'T': bit = 8; ok = integer(c, &when); break;
        case 'm': bit = 16; ok = boolean(c, &maker); break;
        case 'e': bit = 32; ok = string(c, &v); break;
        case 'E': bit = 64; ok = integer(c, &ignored); break;
        case 's': bit = 128; ok = string(c, &v); break;
        case 'b': bit = 256; ok = integer(c, &ignored); break;
        case 'a': bit = 512; ok = integer(c, &ignored); break;
        case 'M': bit = 1024; ok = boolean(c, &flag); break;
        case 'X': bit = 2048; ok = string(c, &v); break;
        default: ok = 0;
        }
        if (!ok || (seen & bit)) {
            Py_RETURN_NONE;
        }
        seen |= bit;
        if (LIT(c, "}")) {
            break;
        }
        if (!LIT(c, ",")) {
            Py_RETURN_NONE;
        }
    }
    if ((seen & 31) != 31 || !close_message(c, &stream)) {
        Py_RETURN_NONE;
    }
    PyObject *p = new_text(price.s, price.n);
    PyObject *q = p == NULL ? NULL : new_text(qty.s, qty.n);
    if (q == NULL) {
        Py_XDECREF(p);
        return NULL;
    }
    PyObject *out = PyTuple_New(5), *n = PyLong_FromLongLong(id), *t = PyLong_FromLongLong(when);
    if (out == NULL || n == NULL || t == NULL) {
        Py_XDECREF(out);
        Py_XDECREF(n);
        Py_XDECREF(t);
        Py_DECREF(p);
        Py_DECREF(q);
        return NULL;
    }
    PyTuple_SET_ITEM(out, 0, n);
    PyTuple_SET_ITEM(out, 1, p);
    PyTuple_SET_ITEM(out, 2, q);
    PyTuple_SET_ITEM(out, 3, t);
    PyTuple_SET_ITEM(out, 4, Py_NewRef(maker ? Py_True : Py_False));
    return out;
}

static PyObject *
trade(PyObject *self, PyObject *text)
{
    Cur c;
    if (!text_of(text, &c)) {
        Py_RETURN_NONE;
    }
    return read_trade(&c);
}

#include "_wire_lines.h"

static PyMethodDef methods[] = {
    {"depth", depth, METH_O, "depth(text): (U, u, pu or None, E, symbol, bids, asks) or None."},
    {"trade", trade, METH_O, "trade(text): (id, price, qty, T, buyer_is_maker) or None."},
    {"hft_items", (PyCFunction)(void (*)(void))hft_items, METH_FASTCALL,
     "hft_items(text, start, end, count, index, first): (items or None, stop)."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_wire", "Binance message text decoded without orjson.", -1,
    methods,
};

PyMODINIT_FUNC
PyInit__wire(void)
{
    PyObject *decimal = PyImport_ImportModule("decimal");
    if (decimal == NULL) {
        return NULL;
    }
    Decimal = PyObject_GetAttrString(decimal, "Decimal");
    Py_DECREF(decimal);
    if (Decimal == NULL) {
        return NULL;
    }
    PyObject *m = PyModule_Create(&module);
    if (m != NULL && PyModule_AddIntConstant(m, "FAST_DECIMAL", decimal_fast_probe()) < 0) {
        Py_CLEAR(m);
    }
    return m;
}
