/* The sorted-list steps of _book.c: bisect's searches (its comparisons, element for
 * element), a one-memmove insert and delete, dict.pop(key, None), and one level applied by
 * them (the exact path, for sides without a valid PriceIndex).
 *
 * Part of _book.c (included once, after _book_decimal.h): see the note there.
 */

/* prices[i], borrowed, or NULL with bisect's IndexError when a comparison's Python code
 * (a Decimal subclass's __lt__, say) shortened the list under the search. */
static inline PyObject *
item_at(PyObject *prices, Py_ssize_t i)
{
    if (i >= PyList_GET_SIZE(prices)) {
        PyErr_SetString(PyExc_IndexError, "list index out of range");
        return NULL;
    }
    return PyList_GET_ITEM(prices, i);
}

/* The binary search behind bisect's three uses here: the first i where the search stops
 * going right. It goes right past prices[mid] while ``prices[mid] op x`` holds or, with
 * ``x_first``, while ``x op prices[mid]`` does not (insort_right's rule). -1 on error. */
static Py_ssize_t
search(PyObject *prices, PyObject *x, int op, int x_first)
{
    Py_ssize_t lo = 0, hi = PyList_GET_SIZE(prices);
    while (lo < hi) {
        Py_ssize_t mid = ((size_t)lo + hi) / 2;
        PyObject *item = item_at(prices, mid);
        int holds = item == NULL ? -1 : x_first ? ordered(x, item, op) : ordered(item, x, op);
        if (holds < 0) {
            return -1;
        }
        if (holds != x_first) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    return lo;
}

/* bisect_left(prices, x): first i with not prices[i] < x. -1 on error. */
static inline Py_ssize_t
left_ascending(PyObject *prices, PyObject *x)
{
    return search(prices, x, Py_LT, 0);
}

/* insort_right's index: first i with x < prices[i]. -1 on error. */
static inline Py_ssize_t
right_ascending(PyObject *prices, PyObject *x)
{
    return search(prices, x, Py_LT, 1);
}

/* bisect_left(keys, -x) over the negated keys, read off the descending prices instead:
 * keys[mid] < -x exactly when prices[mid] > x. -1 on error. */
static inline Py_ssize_t
left_descending(PyObject *prices, PyObject *x)
{
    return search(prices, x, Py_GT, 0);
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

/* keys.insert(i, price.copy_negate()), an ask side's negated key; nothing when ``keys`` is
 * None (a side that keeps no key list). */
static int
insert_negated(PyObject *keys, Py_ssize_t i, PyObject *price)
{
    if (keys == Py_None) {
        return 0;
    }
    PyObject *key = PyObject_CallMethodNoArgs(price, str_copy_negate);
    if (key == NULL) {
        return -1;
    }
    int bad = insert_at(keys, i, key);
    Py_DECREF(key);
    return bad;
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

/* One level on one side by the exact Decimal search, in the order of the Python loop's
 * steps (``keys`` None: an ask side that keeps no negated list). */
static int
decimal_level(PyObject *levels, PyObject *prices, PyObject *keys, int is_bid, PyObject *price,
              PyObject *qty, int nonzero)
{
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
                Py_ssize_t i = left_descending(prices, price);
                if (i < 0 || insert_negated(keys, i, price) < 0 ||
                    insert_at(prices, i, price) < 0) {
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
    if (i < 0 || (keys != Py_None && delete_at(keys, i) < 0)) {
        return -1;
    }
    return delete_at(prices, i);
}
