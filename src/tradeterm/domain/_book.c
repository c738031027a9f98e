/* Optional C level path of the order book: BookSide.set_many and the level-string parse.
 *
 * Plain CPython C API, no buffers. tradeterm.domain.book_kernel picks these when the module
 * is built (setup.py, optional) and falls back to its pure-Python functions otherwise, or
 * when TRADETERM_KERNELS=numpy. Both give the same books, the same Decimal objects and the
 * same return values:
 *
 * set_many(levels, prices, keys, is_bid, new) applies (price, size) pairs to one side of a
 * book laid out as domain/book.py lays it out: ``levels`` a dict price -> size, ``prices``
 * the sorted price list with the best price last (bids ascending, asks descending) and, for
 * asks, ``keys`` the exact negations of ``prices`` index for index (for bids ``keys`` is
 * ``prices``). A zero size removes the level. The comparisons are the ones Python's
 * ``bisect`` makes, element for element, so even a NaN raises where the Python code does.
 * Each pair must be a 2-tuple or 2-list of Decimals (TypeError otherwise, after the pairs
 * before it were applied, as the Python loop would have).
 *
 * parse(raw, prices, sizes) turns ``[[price, size], ...]`` strings into (Decimal, Decimal)
 * tuples through two caches (dicts, usually with a ``__missing__``). A hit is one dict
 * look-up. A miss on a plain number (ASCII digits with at most one '.', a digit first) in a
 * cache with an int ``limit`` attribute is done here exactly as those caches' __missing__
 * does it (clear when ``len >= limit``, then store Decimal(text)); every other miss calls
 * the cache's own __missing__, so its errors are the Python ones.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

static PyObject *Decimal = NULL;      /* decimal.Decimal */
static PyObject *str_copy_negate = NULL;
static PyObject *str_limit = NULL;

/* ---- pairs --------------------------------------------------------------------------- */

/* A level's two items as new references, with Python's unpacking errors. */
static int
unpack_pair(PyObject *item, PyObject **a, PyObject **b)
{
    if (PyTuple_CheckExact(item) && PyTuple_GET_SIZE(item) == 2) {
        *a = Py_NewRef(PyTuple_GET_ITEM(item, 0));
        *b = Py_NewRef(PyTuple_GET_ITEM(item, 1));
        return 0;
    }
    if (PyList_CheckExact(item) && PyList_GET_SIZE(item) == 2) {
        *a = Py_NewRef(PyList_GET_ITEM(item, 0));
        *b = Py_NewRef(PyList_GET_ITEM(item, 1));
        return 0;
    }
    PyObject *it = PyObject_GetIter(item);
    if (it == NULL) {
        PyErr_Format(PyExc_TypeError, "cannot unpack non-iterable %.100s object",
                     Py_TYPE(item)->tp_name);
        return -1;
    }
    PyObject *got[3] = {NULL, NULL, NULL};
    Py_ssize_t n = 0;
    for (; n < 3; n++) {
        got[n] = PyIter_Next(it);
        if (got[n] == NULL) {
            break;
        }
    }
    Py_DECREF(it);
    if (PyErr_Occurred() || n != 2) {
        for (Py_ssize_t i = 0; i < 3; i++) {
            Py_XDECREF(got[i]);
        }
        if (!PyErr_Occurred()) {
            if (n < 2) {
                PyErr_Format(PyExc_ValueError,
                             "not enough values to unpack (expected 2, got %zd)", n);
            } else {
                PyErr_SetString(PyExc_ValueError, "too many values to unpack (expected 2)");
            }
        }
        return -1;
    }
    *a = got[0];
    *b = got[1];
    return 0;
}

/* A book level: a 2-tuple or 2-list of Decimals, else a TypeError saying so. */
static int
book_pair(PyObject *item, PyObject **price, PyObject **qty)
{
    PyObject *p, *q;
    if (PyTuple_CheckExact(item) && PyTuple_GET_SIZE(item) == 2) {
        p = PyTuple_GET_ITEM(item, 0);
        q = PyTuple_GET_ITEM(item, 1);
    } else if (PyList_CheckExact(item) && PyList_GET_SIZE(item) == 2) {
        p = PyList_GET_ITEM(item, 0);
        q = PyList_GET_ITEM(item, 1);
    } else {
        PyErr_Format(PyExc_TypeError,
                     "a book level must be a (price, size) pair of Decimals, not %.100R",
                     item);
        return -1;
    }
    if (!PyObject_TypeCheck(p, (PyTypeObject *)Decimal) ||
        !PyObject_TypeCheck(q, (PyTypeObject *)Decimal)) {
        PyErr_Format(PyExc_TypeError,
                     "a book level's price and size must be Decimals, not %.100s and %.100s",
                     Py_TYPE(p)->tp_name, Py_TYPE(q)->tp_name);
        return -1;
    }
    *price = Py_NewRef(p);
    *qty = Py_NewRef(q);
    return 0;
}

/* ---- searches (the comparisons bisect makes) ----------------------------------------- */

/* bisect_left(prices, x): first i with not prices[i] < x. -1 on error. */
static Py_ssize_t
left_ascending(PyObject *prices, PyObject *x)
{
    Py_ssize_t lo = 0, hi = PyList_GET_SIZE(prices);
    while (lo < hi) {
        Py_ssize_t mid = ((size_t)lo + hi) / 2;
        PyObject *item = Py_NewRef(PyList_GET_ITEM(prices, mid));
        int lt = PyObject_RichCompareBool(item, x, Py_LT);
        Py_DECREF(item);
        if (lt < 0) {
            return -1;
        }
        if (lt) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    return lo;
}

/* insort_right's index: first i with x < prices[i]. -1 on error. */
static Py_ssize_t
right_ascending(PyObject *prices, PyObject *x)
{
    Py_ssize_t lo = 0, hi = PyList_GET_SIZE(prices);
    while (lo < hi) {
        Py_ssize_t mid = ((size_t)lo + hi) / 2;
        PyObject *item = Py_NewRef(PyList_GET_ITEM(prices, mid));
        int lt = PyObject_RichCompareBool(x, item, Py_LT);
        Py_DECREF(item);
        if (lt < 0) {
            return -1;
        }
        if (lt) {
            hi = mid;
        } else {
            lo = mid + 1;
        }
    }
    return lo;
}

/* bisect_left(keys, -x) over the negated keys, read off the descending prices instead:
 * keys[mid] < -x exactly when prices[mid] > x. -1 on error. */
static Py_ssize_t
left_descending(PyObject *prices, PyObject *x)
{
    Py_ssize_t lo = 0, hi = PyList_GET_SIZE(prices);
    while (lo < hi) {
        Py_ssize_t mid = ((size_t)lo + hi) / 2;
        PyObject *item = Py_NewRef(PyList_GET_ITEM(prices, mid));
        int gt = PyObject_RichCompareBool(item, x, Py_GT);
        Py_DECREF(item);
        if (gt < 0) {
            return -1;
        }
        if (gt) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    return lo;
}

static int
delete_at(PyObject *list, Py_ssize_t i)
{
    if (i >= PyList_GET_SIZE(list)) {
        PyErr_SetString(PyExc_IndexError, "list assignment index out of range");
        return -1;
    }
    return PyList_SetSlice(list, i, i + 1, NULL);
}

/* dict.pop(key, None) != None: 1 when it was there (and is now gone), 0 if not, -1 error. */
static int
pop_present(PyObject *levels, PyObject *key)
{
    PyObject *old = PyDict_GetItemWithError(levels, key);
    if (old == NULL) {
        return PyErr_Occurred() ? -1 : 0;
    }
    int none = old == Py_None;
    if (PyDict_DelItem(levels, key) < 0) {
        return -1;
    }
    return none ? 0 : 1;
}

/* One level on one side, in the order of the Python loop's steps. */
static int
apply_level(PyObject *levels, PyObject *prices, PyObject *keys, int is_bid, PyObject *price,
            PyObject *qty)
{
    int nonzero = PyObject_IsTrue(qty);
    if (nonzero < 0) {
        return -1;
    }
    if (nonzero) {
        int present = PyDict_Contains(levels, price);
        if (present < 0) {
            return -1;
        }
        if (!present) {
            if (is_bid) {
                Py_ssize_t i = right_ascending(prices, price);
                if (i < 0 || PyList_Insert(prices, i, price) < 0) {
                    return -1;
                }
            } else {
                PyObject *key = PyObject_CallMethodNoArgs(price, str_copy_negate);
                if (key == NULL) {
                    return -1;
                }
                Py_ssize_t i = left_descending(prices, price);
                int bad = i < 0 || PyList_Insert(keys, i, key) < 0 ||
                          PyList_Insert(prices, i, price) < 0;
                Py_DECREF(key);
                if (bad) {
                    return -1;
                }
            }
        }
        return PyDict_SetItem(levels, price, qty);
    }
    int gone = pop_present(levels, price);
    if (gone <= 0) {
        return gone;
    }
    if (is_bid) {
        Py_ssize_t i = left_ascending(prices, price);
        return i < 0 ? -1 : delete_at(prices, i);
    }
    Py_ssize_t i = left_descending(prices, price);
    if (i < 0 || delete_at(keys, i) < 0) {
        return -1;
    }
    return delete_at(prices, i);
}

static PyObject *
set_many(PyObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 5) {
        PyErr_SetString(PyExc_TypeError,
                        "set_many(levels, prices, keys, is_bid, new) takes 5 arguments");
        return NULL;
    }
    PyObject *levels = args[0], *prices = args[1], *keys = args[2], *new = args[4];
    if (!PyDict_Check(levels) || !PyList_Check(prices) || !PyList_Check(keys)) {
        PyErr_SetString(PyExc_TypeError,
                        "set_many needs the side's dict, its price list and its key list");
        return NULL;
    }
    int is_bid = PyObject_IsTrue(args[3]);
    if (is_bid < 0) {
        return NULL;
    }
    if (is_bid && keys != prices) {
        PyErr_SetString(PyExc_ValueError, "a bid side's keys are its prices");
        return NULL;
    }
    PyObject *it = NULL, *seq = NULL;
    Py_ssize_t n = 0;
    if (PyList_CheckExact(new) || PyTuple_CheckExact(new)) {
        seq = new;
    } else if ((it = PyObject_GetIter(new)) == NULL) {
        return NULL;
    }
    for (Py_ssize_t i = 0;; i++) {
        PyObject *item;
        if (seq != NULL) {
            n = PyList_CheckExact(seq) ? PyList_GET_SIZE(seq) : PyTuple_GET_SIZE(seq);
            if (i >= n) {
                break;
            }
            item = Py_NewRef(PyList_CheckExact(seq) ? PyList_GET_ITEM(seq, i)
                                                    : PyTuple_GET_ITEM(seq, i));
        } else if ((item = PyIter_Next(it)) == NULL) {
            if (PyErr_Occurred()) {
                goto fail;
            }
            break;
        }
        PyObject *price, *qty;
        int bad = book_pair(item, &price, &qty);
        Py_DECREF(item);
        if (bad) {
            goto fail;
        }
        bad = apply_level(levels, prices, keys, is_bid, price, qty);
        Py_DECREF(price);
        Py_DECREF(qty);
        if (bad) {
            goto fail;
        }
    }
    Py_XDECREF(it);
    Py_RETURN_NONE;
fail:
    Py_XDECREF(it);
    return NULL;
}

/* ---- parse --------------------------------------------------------------------------- */

/* Digits with at most one '.', a digit first: what Decimal() and both caches take as is. */
static int
plain_number(PyObject *text)
{
    if (!PyUnicode_CheckExact(text) || !PyUnicode_IS_ASCII(text)) {
        return 0;
    }
    Py_ssize_t n = PyUnicode_GET_LENGTH(text);
    const char *s = (const char *)PyUnicode_1BYTE_DATA(text);
    if (n == 0 || n > 200 || s[0] < '0' || s[0] > '9') {
        return 0;
    }
    int dots = 0;
    for (Py_ssize_t i = 1; i < n; i++) {
        char c = s[i];
        if (c == '.') {
            if (++dots > 1) {
                return 0;
            }
        } else if (c < '0' || c > '9') {
            return 0;
        }
    }
    return 1;
}

typedef struct {
    PyObject *cache;
    Py_ssize_t limit; /* -1: not known yet; -2: no int limit (always the cache's own miss) */
} Cache;

/* The cache's value for text, as a new reference. */
static PyObject *
cached(Cache *c, PyObject *text)
{
    PyObject *value = PyDict_GetItemWithError(c->cache, text);
    if (value != NULL) {
        return Py_NewRef(value);
    }
    if (PyErr_Occurred()) {
        return NULL;
    }
    if (c->limit == -1) {
        PyObject *limit = PyObject_GetAttr(c->cache, str_limit);
        c->limit = -2;
        if (limit == NULL) {
            PyErr_Clear();
        } else {
            if (PyLong_CheckExact(limit)) {
                Py_ssize_t v = PyLong_AsSsize_t(limit);
                if (v >= 0) {
                    c->limit = v;
                }
            }
            Py_DECREF(limit);
            PyErr_Clear();
        }
    }
    if (c->limit < 0 || !plain_number(text)) {
        return PyObject_GetItem(c->cache, text);
    }
    if (PyDict_GET_SIZE(c->cache) >= c->limit) {
        PyDict_Clear(c->cache);
    }
    value = PyObject_CallOneArg(Decimal, text);
    if (value == NULL) {
        return NULL;
    }
    if (PyDict_SetItem(c->cache, text, value) < 0) {
        Py_DECREF(value);
        return NULL;
    }
    return value;
}

static PyObject *
parse(PyObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 3) {
        PyErr_SetString(PyExc_TypeError, "parse(raw, prices, sizes) takes 3 arguments");
        return NULL;
    }
    if (!PyDict_Check(args[1]) || !PyDict_Check(args[2])) {
        PyErr_SetString(PyExc_TypeError, "parse needs two dict caches");
        return NULL;
    }
    Cache prices = {args[1], -1}, sizes = {args[2], -1};
    PyObject *seq = PySequence_Fast(args[0], "levels must be iterable");
    if (seq == NULL) {
        return NULL;
    }
    Py_ssize_t n = PySequence_Fast_GET_SIZE(seq);
    PyObject *out = PyList_New(n);
    if (out == NULL) {
        Py_DECREF(seq);
        return NULL;
    }
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *item = Py_NewRef(PySequence_Fast_GET_ITEM(seq, i));
        PyObject *p, *q;
        int bad = unpack_pair(item, &p, &q);
        Py_DECREF(item);
        if (bad) {
            goto fail;
        }
        PyObject *price = cached(&prices, p);
        Py_DECREF(p);
        if (price == NULL) {
            Py_DECREF(q);
            goto fail;
        }
        PyObject *size = cached(&sizes, q);
        Py_DECREF(q);
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
        PyTuple_SET_ITEM(pair, 0, price);
        PyTuple_SET_ITEM(pair, 1, size);
        PyList_SET_ITEM(out, i, pair);
    }
    Py_DECREF(seq);
    return out;
fail:
    Py_DECREF(seq);
    Py_DECREF(out);
    return NULL;
}

static PyMethodDef methods[] = {
    {"set_many", (PyCFunction)(void (*)(void))set_many, METH_FASTCALL,
     "set_many(levels, prices, keys, is_bid, new): BookSide.set_many on the side's parts"},
    {"parse", (PyCFunction)(void (*)(void))parse, METH_FASTCALL,
     "parse(raw, prices, sizes): [[price, size], ...] strings as cached Decimal pairs"},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_book",
    "C level path of the order book (optional; Python fallback in domain.book_kernel).", -1,
    methods,
};

PyMODINIT_FUNC
PyInit__book(void)
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
    str_copy_negate = PyUnicode_InternFromString("copy_negate");
    str_limit = PyUnicode_InternFromString("limit");
    if (str_copy_negate == NULL || str_limit == NULL) {
        return NULL;
    }
    return PyModule_Create(&module);
}
