/* Optional C level path of the order book: BookSide.set_many, BookSide.set, level parsing.
 *
 * Plain CPython C API, no buffers. tradeterm.domain.book_kernel picks these when the module
 * is built (setup.py, optional) and falls back to its pure-Python functions otherwise, or
 * when TRADETERM_KERNELS=numpy. Both give the same books, the same Decimal objects and the
 * same return values. Sources: this file (the side updates), _book_decimal.h (comparing
 * and hashing Decimals), _book_lists.h (searches, list inserts and deletes), _book_index.h
 * (the int64 price index) and _book_parse.h (the level strings).
 *
 * set_many(levels, prices, keys, is_bid, new[, index]) applies (price, size) pairs to one
 * side of a book laid out as domain/book.py lays it out: ``levels`` a dict price -> size,
 * ``prices`` the sorted price list with the best price last (bids ascending, asks
 * descending), for asks ``keys`` the exact negations of ``prices`` index for index or None
 * (the C search never reads them; only the Python twin's bisect does), for bids ``keys`` is
 * ``prices``, and ``index`` the side's PriceIndex (_book_index.h) or None. A zero size
 * removes the level. With a valid index, a level is found by the index's int64 keys and the
 * dict is addressed with the book's own key object; without one (or for a price with no
 * key) the comparisons are the ones Python's ``bisect`` makes, element for element, so even
 * a NaN raises where the Python code does. Each pair must be a 2-tuple or 2-list of Decimals
 * (TypeError otherwise, after the pairs before it were applied, as the Python loop would
 * have). set_level(levels, prices, keys, is_bid, price, qty[, index]) is BookSide.set on the
 * same parts (the previous size back, or None).
 *
 * parse(raw, prices, sizes) turns ``[[price, size], ...]`` strings into (Decimal, Decimal)
 * tuples. A plain number (ASCII digits with at most one '.', a digit first) is made here,
 * fresh: from its digits with its hash stored (make_decimal in ../_decimal_fast.h, probed at
 * import: FAST_DECIMAL), else by the constructor. Every other text is looked up in
 * ``prices`` or ``sizes`` (mappings whose ``__missing__`` parses or refuses it), so its
 * value and errors are the Python ones.
 *
 * Comparisons: a Decimal comparison through PyObject_RichCompareBool costs about 50 ns,
 * and a search in a book of 1,000-2,000 levels makes a dozen of them: most of set_many's
 * time. _book_decimal.h reads two finite decimal.Decimal values whose coefficients fit one
 * 64-bit word (every price a book meets) straight from the C decimal object's layout
 * (CPython's Modules/_decimal: PyDecObject around libmpdec's mpd_t, radix 10**19) and
 * orders them exactly; anything else (NaN, infinity, a subclass, a longer coefficient)
 * goes through RichCompare. The layout is not a public API, so the module probes it at
 * import on known values and uses RichCompare everywhere when the probe fails
 * (FAST_COMPARE says which).
 *
 * Hashes: a new price's first dict look-up computes Decimal's hash (a modular power in
 * libmpdec, a third of set_many's time on a fresh capture). prime_hash() computes the
 * same number (Python's numeric hash: coefficient * 10**exp modulo 2**61 - 1, sign
 * applied, -1 -> -2) for the same one-word Decimals and stores it in the object's hash
 * cache, as Decimal.__hash__ itself would; the probe checks it against hash() too.
 *
 * Lists: CPython's list.insert moves the pointers one at a time; a level deep in the book
 * moves hundreds. Inserts and deletes here are one memmove each.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <stdint.h>
#include <string.h>

static PyObject *Decimal = NULL;      /* decimal.Decimal */
static PyObject *str_copy_negate = NULL;

#include "_book_decimal.h"

/* ---- book levels ---------------------------------------------------------------------- */

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

#include "_book_lists.h"
#include "_book_index.h"

/* One level: through the index where it can take it, else the Decimal search (which, when
 * it moves the list, leaves the index invalid). */
static int
apply_level(PriceIndex *index, PyObject *levels, PyObject *prices, PyObject *keys, int is_bid,
            PyObject *price, PyObject *qty)
{
    int nonzero = PyObject_IsTrue(qty);
    if (nonzero < 0) {
        return -1;
    }
    if (index != NULL) {
        int done = indexed_level(index, levels, prices, keys, price, qty, nonzero, NULL);
        if (done != 0) {
            return done < 0 ? -1 : 0;
        }
    }
    Py_ssize_t before = PyList_GET_SIZE(prices);
    int result = decimal_level(levels, prices, keys, is_bid, price, qty, nonzero);
    if (index != NULL && PyList_GET_SIZE(prices) != before) {
        index->valid = 0;
    }
    return result;
}

/* The side's parts from set_many's and set_level's first arguments (levels, prices, keys,
 * is_bid) and the optional index after ``count`` of them; -1 with an exception. */
static int
side_parts(PyObject *const *args, Py_ssize_t nargs, Py_ssize_t count, const char *usage,
           int *is_bid, PriceIndex **index)
{
    if (nargs != count && nargs != count + 1) {
        PyErr_Format(PyExc_TypeError, "%s takes %zd or %zd arguments", usage, count, count + 1);
        return -1;
    }
    PyObject *levels = args[0], *prices = args[1], *keys = args[2];
    if (!PyDict_Check(levels) || !PyList_Check(prices) ||
        !(PyList_Check(keys) || keys == Py_None)) {
        PyErr_Format(PyExc_TypeError,
                     "%s needs the side's dict, its price list and its key list (or None)",
                     usage);
        return -1;
    }
    *is_bid = PyObject_IsTrue(args[3]);
    if (*is_bid < 0) {
        return -1;
    }
    if (*is_bid && keys != prices) {
        PyErr_SetString(PyExc_ValueError, "a bid side's keys are its prices");
        return -1;
    }
    *index = NULL;
    if (nargs > count && args[count] != Py_None) {
        if (!PyObject_TypeCheck(args[count], &PriceIndexType)) {
            PyErr_Format(PyExc_TypeError, "%s: the index must be a PriceIndex or None", usage);
            return -1;
        }
        *index = (PriceIndex *)args[count];
        if ((*index)->is_bid != *is_bid) {
            PyErr_SetString(PyExc_ValueError, "the index is for the other side");
            return -1;
        }
    }
    return 0;
}

static PyObject *
set_many(PyObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    int is_bid;
    PriceIndex *index;
    if (side_parts(args, nargs, 5, "set_many(levels, prices, keys, is_bid, new[, index])",
                   &is_bid, &index) < 0) {
        return NULL;
    }
    PyObject *levels = args[0], *prices = args[1], *keys = args[2], *new = args[4];
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
        bad = apply_level(index, levels, prices, keys, is_bid, price, qty);
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

/* BookSide.set by the exact Decimal search, in its order (the dict first, then the list):
 * the previous size, or None when there was none. */
static PyObject *
decimal_set(PyObject *levels, PyObject *prices, PyObject *keys, int is_bid, PyObject *price,
            PyObject *qty, int nonzero)
{
    prime_hash(price);
    if (nonzero) {
        PyObject *old = PyDict_GetItemWithError(levels, price);
        if (old == NULL && PyErr_Occurred()) {
            return NULL;
        }
        Py_XINCREF(old);
        if (PyDict_SetItem(levels, price, qty) < 0) {
            Py_XDECREF(old);
            return NULL;
        }
        if (old != NULL && old != Py_None) {
            return old;
        }
        Py_XDECREF(old);
        Py_ssize_t i = is_bid ? right_ascending(prices, price) : left_descending(prices, price);
        if (i < 0 || (!is_bid && insert_negated(keys, i, price) < 0) ||
            insert_at(prices, i, price) < 0) {
            return NULL;
        }
        Py_RETURN_NONE;
    }
    if (PyDict_GET_SIZE(levels) == 0) {
        Py_RETURN_NONE;
    }
    PyObject *old = PyDict_GetItemWithError(levels, price);
    if (old == NULL) {
        if (PyErr_Occurred()) {
            return NULL;
        }
        Py_RETURN_NONE;
    }
    Py_INCREF(old);
    if (PyDict_DelItem(levels, price) < 0) {
        Py_DECREF(old);
        return NULL;
    }
    if (old == Py_None) {
        return old;
    }
    Py_ssize_t i = is_bid ? left_ascending(prices, price) : left_descending(prices, price);
    if (i < 0 || (!is_bid && keys != Py_None && delete_at(keys, i) < 0) ||
        delete_at(prices, i) < 0) {
        Py_DECREF(old);
        return NULL;
    }
    return old;
}

/* set_level(levels, prices, keys, is_bid, price, qty[, index]): BookSide.set; returns the
 * previous size, or None when there was none. */
static PyObject *
set_level(PyObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    int is_bid;
    PriceIndex *index;
    if (side_parts(args, nargs, 6, "set_level(levels, prices, keys, is_bid, price, qty[, index])",
                   &is_bid, &index) < 0) {
        return NULL;
    }
    PyObject *levels = args[0], *prices = args[1], *keys = args[2];
    PyObject *price = args[4], *qty = args[5];
    if (!PyObject_TypeCheck(price, (PyTypeObject *)Decimal) ||
        !PyObject_TypeCheck(qty, (PyTypeObject *)Decimal)) {
        PyErr_Format(PyExc_TypeError,
                     "a book level's price and size must be Decimals, not %.100s and %.100s",
                     Py_TYPE(price)->tp_name, Py_TYPE(qty)->tp_name);
        return NULL;
    }
    int nonzero = PyObject_IsTrue(qty);
    if (nonzero < 0) {
        return NULL;
    }
    if (index != NULL) {
        PyObject *old = NULL;
        int done = indexed_level(index, levels, prices, keys, price, qty, nonzero, &old);
        if (done < 0) {
            Py_XDECREF(old);
            return NULL;
        }
        if (done > 0) {
            return old != NULL ? old : Py_NewRef(Py_None);
        }
    }
    Py_ssize_t before = PyList_GET_SIZE(prices);
    PyObject *old = decimal_set(levels, prices, keys, is_bid, price, qty, nonzero);
    if (index != NULL && PyList_GET_SIZE(prices) != before) {
        index->valid = 0;
    }
    return old;
}

#include "_book_parse.h"

static PyMethodDef methods[] = {
    {"set_many", (PyCFunction)(void (*)(void))set_many, METH_FASTCALL,
     "set_many(levels, prices, keys, is_bid, new[, index]): BookSide.set_many on the side's parts"},
    {"set_level", (PyCFunction)(void (*)(void))set_level, METH_FASTCALL,
     "set_level(levels, prices, keys, is_bid, price, qty[, index]): BookSide.set; the old size"
     " or None"},
    {"parse", (PyCFunction)(void (*)(void))parse, METH_FASTCALL,
     "parse(raw, prices, sizes): [[price, size], ...] strings as Decimal pairs"},
    {"decimal_hash", decimal_hash, METH_O,
     "decimal_hash(d): hash(d) as set_many computes it for the values it caches it for"},
    {"compare", (PyCFunction)(void (*)(void))compare, METH_FASTCALL,
     "compare(a, b): -1, 0 or 1 as a <=> b, the way set_many's searches compare"},
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
    if (str_copy_negate == NULL) {
        return NULL;
    }
    decimal_fast_probe();
    fast_compare = probe_layout();
    if (PyType_Ready(&PriceIndexType) < 0) {
        return NULL;
    }
    PyObject *m = PyModule_Create(&module);
    if (m != NULL &&
        (PyModule_AddObjectRef(m, "FAST_COMPARE", fast_compare ? Py_True : Py_False) < 0 ||
         PyModule_AddObjectRef(m, "PriceIndex", (PyObject *)&PriceIndexType) < 0 ||
         PyModule_AddObjectRef(m, "FAST_DECIMAL", fast_decimal ? Py_True : Py_False) < 0)) {
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
