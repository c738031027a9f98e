/* Exact comparison and hashing of decimal.Decimal values read from the C object's layout.
 *
 * Part of _book.c (included once, after its globals): see the note on comparisons there.
 */

#include "../_decimal_fast.h" /* DecView, hash_parts */

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
    return hash_parts(v->data[0], v->exp, v->flags & 1);
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
    if (!LAYOUT_POSSIBLE ||
        ((PyTypeObject *)Decimal)->tp_basicsize != (Py_ssize_t)sizeof(DecView)) {
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
