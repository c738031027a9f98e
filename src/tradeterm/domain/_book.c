/* Optional C level path of the order book: BookSide.set_many and the level-string parse.
 *
 * Plain CPython C API, no buffers. tradeterm.domain.book_kernel picks these when the module
 * is built (setup.py, optional) and falls back to its pure-Python functions otherwise, or
 * when TRADETERM_KERNELS=numpy. Both give the same books, the same Decimal objects and the
 * same return values:
 *
 * set_level(levels, prices, keys, is_bid, price, qty) is BookSide.set on those parts (the
 * previous size back, or None). set_many(levels, prices, keys, is_bid, new) applies (price, size) pairs to one side of a
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
 *
 * Comparisons: a Decimal comparison through PyObject_RichCompareBool costs about 50 ns,
 * and a search in a book of 1,000-2,000 levels makes a dozen of them: most of set_many's
 * time. compare() below reads two finite decimal.Decimal values whose coefficients fit
 * one 64-bit word (every price a book meets) straight from the C decimal object's layout
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
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <stdint.h>
#include <string.h>

static PyObject *Decimal = NULL;      /* decimal.Decimal */
static PyObject *str_copy_negate = NULL;
static PyObject *str_limit = NULL;

/* ---- exact comparison of Decimals ---------------------------------------------------- */

/* CPython 3's C decimal object: libmpdec's mpd_t (64-bit build) after the cached hash. */
typedef struct {
    uint8_t flags; /* 1 negative, 2 infinite, 4 NaN, 8 sNaN; higher bits: storage */
    Py_ssize_t exp;
    Py_ssize_t digits;
    Py_ssize_t len;
    Py_ssize_t alloc;
    uint64_t *data; /* base 10**19, least significant word first */
} MpdView;

typedef struct {
    PyObject_HEAD
    Py_hash_t hash;
    MpdView dec;
    uint64_t data[4];
} DecView;

#define SPECIAL 14
#define NOT_DECIDED 2

static int fast_compare = 0;

static const uint64_t POW10[20] = {
    1ULL, 10ULL, 100ULL, 1000ULL, 10000ULL, 100000ULL, 1000000ULL, 10000000ULL,
    100000000ULL, 1000000000ULL, 10000000000ULL, 100000000000ULL, 1000000000000ULL,
    10000000000000ULL, 100000000000000ULL, 1000000000000000ULL, 10000000000000000ULL,
    100000000000000000ULL, 1000000000000000000ULL, 10000000000000000000ULL,
};

/* -1, 0 or 1 as a <=> b, or NOT_DECIDED when the values are not plain one-word Decimals. */
static int
compare_fast(PyObject *a, PyObject *b)
{
    if (!fast_compare || Py_TYPE(a) != (PyTypeObject *)Decimal ||
        Py_TYPE(b) != (PyTypeObject *)Decimal) {
        return NOT_DECIDED;
    }
    const MpdView *x = &((DecView *)a)->dec, *y = &((DecView *)b)->dec;
    if (((x->flags | y->flags) & SPECIAL) || x->len != 1 || y->len != 1) {
        return NOT_DECIDED;
    }
    uint64_t cx = x->data[0], cy = y->data[0];
    int nx = x->flags & 1, ny = y->flags & 1;
    if (cx == 0) {
        return cy == 0 ? 0 : (ny ? 1 : -1); /* -0 == 0 */
    }
    if (cy == 0) {
        return nx ? -1 : 1;
    }
    if (nx != ny) {
        return nx ? -1 : 1;
    }
    int magnitude;
    Py_ssize_t top_x = x->exp + x->digits, top_y = y->exp + y->digits;
    if (top_x != top_y) {
        magnitude = top_x > top_y ? 1 : -1;
    } else {
        /* the same leading position: line the coefficients up (at most 19 digits each,
         * so the shifted one still has at most 19 digits and fits 64 bits) */
        Py_ssize_t shift = x->exp - y->exp;
        if (shift < -19 || shift > 19) {
            return NOT_DECIDED;
        }
        if (shift > 0) {
            cx *= POW10[shift];
        } else if (shift < 0) {
            cy *= POW10[-shift];
        }
        magnitude = cx > cy ? 1 : (cx < cy ? -1 : 0);
    }
    return nx ? -magnitude : magnitude;
}

#define MODULUS 2305843009213693951ULL /* 2**61 - 1, _PyHASH_MODULUS on 64-bit builds */
#define TEN_INVERSE 2075258708292324556ULL /* pow(10, MODULUS - 2, MODULUS) */

static uint64_t
mulmod(uint64_t a, uint64_t b)
{
    unsigned __int128 p = (unsigned __int128)a * b;
    uint64_t lo = (uint64_t)(p & MODULUS), hi = (uint64_t)(p >> 61);
    uint64_t r = lo + hi; /* 2**61 == 1 (mod 2**61 - 1) */
    r = (r & MODULUS) + (r >> 61);
    return r >= MODULUS ? r - MODULUS : r;
}

static uint64_t
powmod(uint64_t base, uint64_t exp)
{
    uint64_t result = 1;
    while (exp) {
        if (exp & 1) {
            result = mulmod(result, base);
        }
        base = mulmod(base, base);
        exp >>= 1;
    }
    return result;
}

/* hash(value) for a plain one-word Decimal, or -1 when not one (no exception set). */
static Py_hash_t
hash_fast(PyObject *value)
{
    if (!fast_compare || Py_TYPE(value) != (PyTypeObject *)Decimal) {
        return -1;
    }
    const MpdView *v = &((DecView *)value)->dec;
    if ((v->flags & SPECIAL) || v->len != 1) {
        return -1;
    }
    uint64_t coefficient = v->data[0] % MODULUS;
    uint64_t scale = v->exp >= 0 ? powmod(10, (uint64_t)v->exp)
                                 : powmod(TEN_INVERSE, (uint64_t)(-v->exp));
    Py_hash_t h = (Py_hash_t)mulmod(coefficient, scale);
    if (v->flags & 1) {
        h = -h;
    }
    return h == -1 ? -2 : h;
}

/* Fill a Decimal's hash cache if it is empty and the value is a plain one-word Decimal. */
static inline void
prime_hash(PyObject *value)
{
    if (fast_compare && Py_TYPE(value) == (PyTypeObject *)Decimal &&
        ((DecView *)value)->hash == -1) {
        Py_hash_t h = hash_fast(value);
        if (h != -1) {
            ((DecView *)value)->hash = h;
        }
    }
}

/* a < b (op Py_LT) or a > b (Py_GT): 1, 0, or -1 with an exception. */
static int
ordered(PyObject *a, PyObject *b, int op)
{
    int c = compare_fast(a, b);
    if (c != NOT_DECIDED) {
        return op == Py_LT ? c < 0 : c > 0;
    }
    Py_INCREF(a); /* the list's item, held while Python code may run */
    Py_INCREF(b);
    c = PyObject_RichCompareBool(a, b, op);
    Py_DECREF(a);
    Py_DECREF(b);
    return c;
}

static int
probe_one(const char *text, int negative, Py_ssize_t exp, Py_ssize_t digits, Py_ssize_t len,
          uint64_t low)
{
    PyObject *value = PyObject_CallFunction(Decimal, "s", text);
    if (value == NULL) {
        PyErr_Clear();
        return 0;
    }
    const MpdView *v = &((DecView *)value)->dec;
    int ok = Py_TYPE(value) == (PyTypeObject *)Decimal && (v->flags & 15) == negative &&
             v->exp == exp && v->digits == digits && v->len == len && v->data != NULL &&
             v->data[0] == low && ((DecView *)value)->hash == -1;
    if (ok && len == 1) {
        fast_compare = 1; /* (for hash_fast; reset by the caller when any probe fails) */
        Py_hash_t mine = hash_fast(value);
        Py_hash_t theirs = PyObject_Hash(value); /* fills the cache */
        ok = mine == theirs && ((DecView *)value)->hash == theirs;
        fast_compare = 0;
    }
    Py_DECREF(value);
    if (PyErr_Occurred()) {
        PyErr_Clear();
        return 0;
    }
    return ok;
}

/* Whether decimal.Decimal is the C object laid out as DecView (checked on known values). */
static int
probe_layout(void)
{
    if (((PyTypeObject *)Decimal)->tp_basicsize != (Py_ssize_t)sizeof(DecView) ||
        sizeof(void *) != 8) {
        return 0;
    }
    return probe_one("-12.5", 1, -1, 3, 1, 125) && probe_one("0", 0, 0, 1, 1, 0) &&
           probe_one("5E+3", 0, 3, 1, 1, 5) &&
           probe_one("0.00012300", 0, -8, 5, 1, 12300) &&
           probe_one("-1", 1, 0, 1, 1, 1) && /* hash -1 -> -2 */
           probe_one("9999999999999999999E-300", 0, -300, 19, 1, 9999999999999999999ULL) &&
           probe_one("1234567890123456789012345.678", 0, -3, 28, 2, 123456789012345678ULL);
}

static PyObject *
decimal_hash(PyObject *self, PyObject *value)
{
    Py_hash_t h = hash_fast(value);
    if (h == -1) {
        h = PyObject_Hash(value);
        if (h == -1) {
            return NULL;
        }
    }
    return PyLong_FromSsize_t(h);
}

static PyObject *
compare(PyObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 2) {
        PyErr_SetString(PyExc_TypeError, "compare(a, b) takes 2 arguments");
        return NULL;
    }
    int lt = ordered(args[0], args[1], Py_LT);
    if (lt < 0) {
        return NULL;
    }
    int gt = ordered(args[0], args[1], Py_GT);
    if (gt < 0) {
        return NULL;
    }
    return PyLong_FromLong(gt - lt);
}

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
        int lt = ordered(PyList_GET_ITEM(prices, mid), x, Py_LT);
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
        int lt = ordered(x, PyList_GET_ITEM(prices, mid), Py_LT);
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
        int gt = ordered(PyList_GET_ITEM(prices, mid), x, Py_GT);
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

/* del list[i], with Python's IndexError past the end; one memmove (list_ass_slice's work
 * without its generality). */
static int
delete_at(PyObject *list, Py_ssize_t i)
{
    Py_ssize_t n = PyList_GET_SIZE(list);
    if (i >= n) {
        PyErr_SetString(PyExc_IndexError, "list assignment index out of range");
        return -1;
    }
    PyObject **items = ((PyListObject *)list)->ob_item;
    PyObject *gone = items[i];
    memmove(&items[i], &items[i + 1], (size_t)(n - 1 - i) * sizeof(PyObject *));
    Py_SET_SIZE(list, n - 1);
    Py_DECREF(gone);
    return 0;
}

/* list.insert(i, item) for 0 <= i <= len: grow by an append, then one memmove (CPython's
 * own insert moves the pointers one by one, most of set_many's time in a deep book). */
static int
insert_at(PyObject *list, Py_ssize_t i, PyObject *item)
{
    Py_ssize_t n = PyList_GET_SIZE(list);
    if (PyList_Append(list, item) < 0) {
        return -1;
    }
    if (i < n) {
        PyObject **items = ((PyListObject *)list)->ob_item;
        memmove(&items[i + 1], &items[i], (size_t)(n - i) * sizeof(PyObject *));
        items[i] = item;
    }
    return 0;
}

/* dict.pop(key, None) != None: 1 when it was there (and is now gone), 0 if not, -1 error. */
static int
pop_present(PyObject *levels, PyObject *key)
{
    if (PyDict_GET_SIZE(levels) == 0) {
        return 0; /* dict.pop on an empty dict answers before hashing the key */
    }
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
    prime_hash(price);
    if (nonzero) {
        int present = PyDict_Contains(levels, price);
        if (present < 0) {
            return -1;
        }
        if (!present) {
            if (is_bid) {
                Py_ssize_t i = right_ascending(prices, price);
                if (i < 0 || insert_at(prices, i, price) < 0) {
                    return -1;
                }
            } else {
                PyObject *key = PyObject_CallMethodNoArgs(price, str_copy_negate);
                if (key == NULL) {
                    return -1;
                }
                Py_ssize_t i = left_descending(prices, price);
                int bad = i < 0 || insert_at(keys, i, key) < 0 ||
                          insert_at(prices, i, price) < 0;
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

/* set_level(levels, prices, keys, is_bid, price, qty): BookSide.set's steps, in its order
 * (the dict first, then the list); returns the previous size, or None when there was none. */
static PyObject *
set_level(PyObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 6) {
        PyErr_SetString(PyExc_TypeError,
                        "set_level(levels, prices, keys, is_bid, price, qty) takes 6 arguments");
        return NULL;
    }
    PyObject *levels = args[0], *prices = args[1], *keys = args[2];
    PyObject *price = args[4], *qty = args[5];
    if (!PyDict_Check(levels) || !PyList_Check(prices) || !PyList_Check(keys)) {
        PyErr_SetString(PyExc_TypeError,
                        "set_level needs the side's dict, its price list and its key list");
        return NULL;
    }
    if (!PyObject_TypeCheck(price, (PyTypeObject *)Decimal) ||
        !PyObject_TypeCheck(qty, (PyTypeObject *)Decimal)) {
        PyErr_Format(PyExc_TypeError,
                     "a book level's price and size must be Decimals, not %.100s and %.100s",
                     Py_TYPE(price)->tp_name, Py_TYPE(qty)->tp_name);
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
    int nonzero = PyObject_IsTrue(qty);
    if (nonzero < 0) {
        return NULL;
    }
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
        if (is_bid) {
            Py_ssize_t i = right_ascending(prices, price);
            if (i < 0 || insert_at(prices, i, price) < 0) {
                return NULL;
            }
        } else {
            PyObject *key = PyObject_CallMethodNoArgs(price, str_copy_negate);
            if (key == NULL) {
                return NULL;
            }
            Py_ssize_t i = left_descending(prices, price);
            int bad = i < 0 || insert_at(keys, i, key) < 0 || insert_at(prices, i, price) < 0;
            Py_DECREF(key);
            if (bad) {
                return NULL;
            }
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
    if (i < 0 || (!is_bid && delete_at(keys, i) < 0) || delete_at(prices, i) < 0) {
        Py_DECREF(old);
        return NULL;
    }
    return old;
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
        int atomic = Py_IS_TYPE(price, (PyTypeObject *)Decimal) &&
                     Py_IS_TYPE(size, (PyTypeObject *)Decimal);
        PyTuple_SET_ITEM(pair, 0, price);
        PyTuple_SET_ITEM(pair, 1, size);
        if (atomic) {
            /* two Decimals hold no references: the collector would untrack this pair at
             * its first pass; untracked now, the young collections have less to walk */
            PyObject_GC_UnTrack(pair);
        }
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
    {"set_level", (PyCFunction)(void (*)(void))set_level, METH_FASTCALL,
     "set_level(levels, prices, keys, is_bid, price, qty): BookSide.set; the old size or None"},
    {"parse", (PyCFunction)(void (*)(void))parse, METH_FASTCALL,
     "parse(raw, prices, sizes): [[price, size], ...] strings as cached Decimal pairs"},
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
    str_limit = PyUnicode_InternFromString("limit");
    if (str_copy_negate == NULL || str_limit == NULL) {
        return NULL;
    }
    fast_compare = probe_layout();
    PyObject *m = PyModule_Create(&module);
    if (m != NULL && PyModule_AddObjectRef(m, "FAST_COMPARE", fast_compare ? Py_True : Py_False) < 0) {
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
