/* The level-string parse of _book.c: [[price, size], ...] as Decimal pairs.
 *
 * Part of _book.c (included once, after its globals): see the note on parse there.
 */

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

/* Digits with at most one '.', a digit first: what Decimal() and the fallbacks take as is. */
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

/* A level's price or size: a plain number made here (make_decimal, else the constructor),
 * anything else the mapping's (its __missing__ gives that text's error), as a new reference. */
static PyObject *
level_number(PyObject *fallback, PyObject *text)
{
    if (!plain_number(text)) {
        return PyObject_GetItem(fallback, text);
    }
    PyObject *value = make_decimal((const char *)PyUnicode_1BYTE_DATA(text),
                                   PyUnicode_GET_LENGTH(text));
    if (value == NULL && !PyErr_Occurred()) {
        value = PyObject_CallOneArg(Decimal, text);
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
    /* out's empty (NULL) slots must not be seen by Python code a fallback's __missing__
     * runs (through gc.get_objects(), say): the list is left to the collector only once it
     * is filled */
    PyObject_GC_UnTrack(out);
    /* raw's length is read again each step, as Python's loop does: a fallback's __missing__
     * may run Python code that shortens or extends a list given as raw */
    Py_ssize_t i = 0;
    for (; i < PySequence_Fast_GET_SIZE(seq); i++) {
        PyObject *item = Py_NewRef(PySequence_Fast_GET_ITEM(seq, i));
        PyObject *p, *q;
        int bad = unpack_pair(item, &p, &q);
        Py_DECREF(item);
        if (bad) {
            goto fail;
        }
        PyObject *price = level_number(args[1], p);
        Py_DECREF(p);
        if (price == NULL) {
            Py_DECREF(q);
            goto fail;
        }
        PyObject *size = level_number(args[2], q);
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
        if (i < n) {
            PyList_SET_ITEM(out, i, pair);
        } else {
            int bad = PyList_Append(out, pair);
            Py_DECREF(pair);
            if (bad) {
                goto fail;
            }
        }
    }
    if (i < n) {
        Py_SET_SIZE(out, i); /* the slots past i were never filled (NULL) */
    }
    Py_DECREF(seq);
    PyObject_GC_Track(out);
    return out;
fail:
    Py_DECREF(seq);
    Py_DECREF(out);
    return NULL;
}
