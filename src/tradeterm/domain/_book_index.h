/* PriceIndex: one book side's prices as a contiguous sorted array of 64-bit integer keys.
 *
 * Part of _book.c (included once, after _book_decimal.h): the search that set_many and
 * set_level run instead of bisecting the Decimal objects.
 *
 * Why: a search in the price list compares about a dozen Decimal objects that lie anywhere
 * in memory. With 20 books of 1,000-2,000 levels a side each of them is a cache miss, and a
 * level cost ~800 ns. Here the search reads one array of 8-byte keys, index for index beside
 * the side's price list, and finding the level also says whether it is in the book, so the
 * dict is then addressed with the book's own key object (an identity hit) instead of the
 * new, equal Decimal (a hash and a Decimal __eq__ per look-up).
 *
 * A key is the price times 10**-exp, exact, for one exponent ``exp`` per side, negated on
 * the ask side so the keys ascend in both (bids' prices ascend, asks' descend). A price
 * with a finer exponent than the side's rescales every key once; a price whose key does
 * not fit an int64, or that is no plain one-word Decimal (see compare_fast), makes the
 * index invalid if it enters or leaves the list: the side then runs the exact Decimal
 * search until ``reset`` (a snapshot, a truncate, a clear) or until it is empty.
 */

typedef struct {
    PyObject_HEAD
    int64_t *keys;
    Py_ssize_t n, cap;
    Py_ssize_t exp;
    int is_bid;
    int valid;
} PriceIndex;

static PyTypeObject PriceIndexType;

#define KEY_MAX INT64_MAX

enum { KEYED = 1, UNKEYED = 0, FINER = 2 };

/* The key of ``price`` at the index's exponent into *key: KEYED; FINER when the price
 * needs the finer exponent *finer first (see rescale); UNKEYED when it has no int64 key. */
static int
key_of(const PriceIndex *index, PyObject *price, int64_t *key, Py_ssize_t *finer)
{
    if (!fast_compare || Py_TYPE(price) != (PyTypeObject *)Decimal) {
        return UNKEYED;
    }
    const MpdView *v = &((DecView *)price)->dec;
    if ((v->flags & SPECIAL) || v->len != 1) {
        return UNKEYED;
    }
    uint64_t c = v->data[0];
    if (c != 0 && v->exp >= index->exp) {
        Py_ssize_t shift = v->exp - index->exp;
        if (shift > 18 || c > (uint64_t)KEY_MAX / POW10[shift]) {
            return UNKEYED;
        }
        c *= POW10[shift];
    } else if (c != 0) {
        Py_ssize_t shift = index->exp - v->exp; /* trailing zeros may make up the difference */
        while (shift > 0 && c % 10 == 0) {
            c /= 10;
            shift--;
        }
        if (c > (uint64_t)KEY_MAX) {
            return UNKEYED;
        }
        if (shift > 0) {
            *finer = index->exp - shift;
            return FINER;
        }
    }
    int negative = (v->flags & 1) != 0;
    *key = (negative == index->is_bid) ? -(int64_t)c : (int64_t)c;
    return KEYED;
}

/* Move every key to the finer exponent ``exp``: 0, or -1 when a key would not fit. */
static int
rescale(PriceIndex *index, Py_ssize_t exp)
{
    if (index->n == 0) {
        index->exp = exp;
        return 0;
    }
    Py_ssize_t shift = index->exp - exp;
    int64_t low = index->keys[0], high = index->keys[index->n - 1];
    uint64_t largest = (uint64_t)(low < 0 ? -low : low);
    uint64_t top = (uint64_t)(high < 0 ? -high : high);
    if (top > largest) {
        largest = top;
    }
    if (shift > 18 || largest > (uint64_t)KEY_MAX / POW10[shift]) {
        return -1;
    }
    int64_t scale = (int64_t)POW10[shift];
    for (Py_ssize_t i = 0; i < index->n; i++) {
        index->keys[i] *= scale;
    }
    index->exp = exp;
    return 0;
}

/* The first i with keys[i] >= key (branch-light binary search over the array). */
static inline Py_ssize_t
lower_bound(const PriceIndex *index, int64_t key)
{
    const int64_t *base = index->keys;
    Py_ssize_t len = index->n;
    while (len > 0) {
        Py_ssize_t half = len / 2;
        if (base[half] < key) {
            base += half + 1;
            len -= half + 1;
        } else {
            len = half;
        }
    }
    return base - index->keys;
}

/* Room for one more key: 0, or -1 with MemoryError (the index unchanged). */
static int
reserve_one(PriceIndex *index)
{
    if (index->n < index->cap) {
        return 0;
    }
    Py_ssize_t cap = index->cap < 64 ? 64 : index->cap * 2;
    int64_t *keys = PyMem_Realloc(index->keys, (size_t)cap * sizeof(int64_t));
    if (keys == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    index->keys = keys;
    index->cap = cap;
    return 0;
}

static void
key_insert(PriceIndex *index, Py_ssize_t i, int64_t key)
{
    memmove(&index->keys[i + 1], &index->keys[i], (size_t)(index->n - i) * sizeof(int64_t));
    index->keys[i] = key;
    index->n++;
}

static void
key_delete(PriceIndex *index, Py_ssize_t i)
{
    index->n--;
    memmove(&index->keys[i], &index->keys[i + 1], (size_t)(index->n - i) * sizeof(int64_t));
}

/* Rebuild from ``prices`` (the side's sorted list): valid when every price has a key. */
static PyObject *
index_reset(PriceIndex *index, PyObject *prices)
{
    if (!PyList_Check(prices)) {
        PyErr_SetString(PyExc_TypeError, "reset needs the side's price list");
        return NULL;
    }
    Py_ssize_t n = PyList_GET_SIZE(prices);
    index->n = 0;
    index->valid = 0;
    if (n > index->cap) {
        int64_t *keys = PyMem_Realloc(index->keys, (size_t)n * sizeof(int64_t));
        if (keys == NULL) {
            return PyErr_NoMemory();
        }
        index->keys = keys;
        index->cap = n;
    }
    for (Py_ssize_t i = 0; i < n; i++) {
        /* the side's finest exponent first, so no key needs rescaling below */
        PyObject *price = PyList_GET_ITEM(prices, i);
        if (!fast_compare || Py_TYPE(price) != (PyTypeObject *)Decimal) {
            Py_RETURN_NONE;
        }
        Py_ssize_t exp = ((DecView *)price)->dec.exp;
        if (i == 0 || exp < index->exp) {
            index->exp = exp;
        }
    }
    for (Py_ssize_t i = 0; i < n; i++) {
        int64_t key;
        Py_ssize_t exp;
        if (key_of(index, PyList_GET_ITEM(prices, i), &key, &exp) != KEYED) {
            index->n = 0;
            Py_RETURN_NONE;
        }
        index->keys[index->n++] = key;
    }
    index->valid = 1;
    Py_RETURN_NONE;
}

/* Forget the first ``count`` keys (the worst prices: BookSide.truncate). */
static PyObject *
index_drop(PriceIndex *index, PyObject *arg)
{
    Py_ssize_t count = PyLong_AsSsize_t(arg);
    if (count == -1 && PyErr_Occurred()) {
        return NULL;
    }
    if (count > 0 && index->valid) {
        if (count > index->n) {
            count = index->n;
        }
        index->n -= count;
        memmove(index->keys, index->keys + count, (size_t)index->n * sizeof(int64_t));
    }
    Py_RETURN_NONE;
}

static PyObject *
index_new(PyTypeObject *type, PyObject *args, PyObject *kwargs)
{
    int is_bid;
    static char *names[] = {"is_bid", NULL};
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "p:PriceIndex", names, &is_bid)) {
        return NULL;
    }
    PriceIndex *index = (PriceIndex *)type->tp_alloc(type, 0);
    if (index != NULL) {
        index->is_bid = is_bid;
        index->valid = fast_compare;
    }
    return (PyObject *)index;
}

static void
index_dealloc(PriceIndex *index)
{
    PyMem_Free(index->keys);
    Py_TYPE(index)->tp_free((PyObject *)index);
}

static PyObject *
index_valid(PriceIndex *index, void *closure)
{
    return PyBool_FromLong(index->valid);
}

static PyMethodDef index_methods[] = {
    {"reset", (PyCFunction)index_reset, METH_O,
     "reset(prices): rebuild from the side's sorted price list (a snapshot, a clear)"},
    {"drop", (PyCFunction)index_drop, METH_O,
     "drop(count): forget the first count keys (the worst prices, as truncate drops them)"},
    {NULL, NULL, 0, NULL},
};

static PyGetSetDef index_getset[] = {
    {"valid", (getter)index_valid, NULL,
     "whether the searches use the keys (False: the exact Decimal search until reset)", NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

static PyTypeObject PriceIndexType = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "tradeterm.domain._book.PriceIndex",
    .tp_basicsize = sizeof(PriceIndex),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "PriceIndex(is_bid): a book side's prices as sorted int64 keys (set_many's search)",
    .tp_new = index_new,
    .tp_dealloc = (destructor)index_dealloc,
    .tp_methods = index_methods,
    .tp_getset = index_getset,
};

/* One level through the index (BookSide.set's steps in its order): 1 done, 0 when the
 * index cannot take it (the caller runs the Decimal path), -1 on error. With ``old``,
 * *old gets the previous size (a new reference) or NULL when there was none. */
static int
indexed_level(PriceIndex *index, PyObject *levels, PyObject *prices, PyObject *keys,
              PyObject *price, PyObject *qty, int nonzero, PyObject **old)
{
    if (!index->valid) {
        if (PyList_GET_SIZE(prices) != 0 || !fast_compare) {
            return 0;
        }
        index->valid = 1; /* an empty side starts over */
        index->n = 0;
    }
    if (index->n != PyList_GET_SIZE(prices)) {
        index->valid = 0; /* the list changed behind the index's back: trust the list */
        return 0;
    }
    if (index->n == 0 && fast_compare && Py_TYPE(price) == (PyTypeObject *)Decimal) {
        index->exp = ((DecView *)price)->dec.exp;
    }
    int64_t key;
    Py_ssize_t finer;
    int kind = key_of(index, price, &key, &finer);
    if (kind == UNKEYED) {
        return 0;
    }
    if (kind == FINER) {
        if (!nonzero) {
            return 1; /* finer than every price in the side: not there, nothing to remove */
        }
        if (rescale(index, finer) < 0 || key_of(index, price, &key, &finer) != KEYED) {
            return 0;
        }
    }
    Py_ssize_t i = lower_bound(index, key);
    int is_bid = index->is_bid;
    if (i < index->n && index->keys[i] == key) {
        /* the book's own key object: the dict finds it by identity, no Decimal __eq__ */
        PyObject *stored = PyList_GET_ITEM(prices, i);
        if (old != NULL) {
            *old = Py_XNewRef(PyDict_GetItemWithError(levels, stored));
            if (*old == NULL) {
                if (PyErr_Occurred()) {
                    return -1;
                }
                index->valid = 0; /* (a dict out of step with the list) */
                return 0;
            }
        }
        if (nonzero) {
            return PyDict_SetItem(levels, stored, qty) < 0 ? -1 : 1;
        }
        if (PyDict_DelItem(levels, stored) < 0) {
            return -1;
        }
        key_delete(index, i);
        if ((!is_bid && keys != Py_None && delete_at(keys, i) < 0) || delete_at(prices, i) < 0) {
            index->valid = 0;
            return -1;
        }
        return 1;
    }
    if (!nonzero) {
        return 1;
    }
    if (reserve_one(index) < 0) {
        return -1;
    }
    prime_hash(price);
    if (!is_bid && insert_negated(keys, i, price) < 0) {
        return -1;
    }
    if (insert_at(prices, i, price) < 0) {
        index->valid = 0;
        return -1;
    }
    key_insert(index, i, key);
    return PyDict_SetItem(levels, price, qty) < 0 ? -1 : 1;
}
