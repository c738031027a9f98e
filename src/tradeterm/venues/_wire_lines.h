/* hftbacktest lines of _wire.c: receive times, stream names, bookTicker ids, trades.
 *
 * Part of _wire.c (included once, after read_trade).
 */

/* ---- hftbacktest lines ---------------------------------------------------------------- */

static int
ends_with(const char *s, Py_ssize_t n, const char *tail, Py_ssize_t m)
{
    return n >= m && memcmp(s + n - m, tail, (size_t)m) == 0;
}

/* The replay's bookTicker ``u``: the digits after the first "u": up to the next ','. */
static PyObject *
ticker_u(const char *s, Py_ssize_t n)
{
    if (n < 4) {
        Py_RETURN_NONE;
    }
    const char *at = s, *last = s + n - 4;
    while (at <= last && (at = memchr(at, '"', (size_t)(last - at + 1))) != NULL) {
        Py_ssize_t i = at++ - s;
        if (memcmp(s + i, "\"u\":", 4) == 0) {
            const char *d = s + i + 4, *end = s + n;
            long long v = 0;
            int digits = 0;
            while (d < end && *d >= '0' && *d <= '9' && digits < 18) {
                v = v * 10 + (*d - '0');
                d++;
                digits++;
            }
            if (digits == 0 || d >= end || *d != ',') { /* (a 19th digit: not ',') */
                Py_RETURN_NONE;
            }
            return PyLong_FromLongLong(v);
        }
    }
    Py_RETURN_NONE;
}

/* The body of one line: the text itself, or (stream, value, text) (see the module note). */
static PyObject *
line_body(PyObject *line, Py_ssize_t from, Py_ssize_t to, PyObject **last_stream)
{
    PyObject *text = PyUnicode_Substring(line, from, to);
    if (text == NULL || !PyUnicode_IS_COMPACT_ASCII(text)) {
        return text;
    }
    const char *s = (const char *)PyUnicode_1BYTE_DATA(text);
    Py_ssize_t n = PyUnicode_GET_LENGTH(text);
    if (n < 13 || memcmp(s, "{\"stream\":\"", 11) != 0 || !ends_with(s, n, "}}", 2)) {
        return text;
    }
    const char *quote = memchr(s + 11, '"', (size_t)(n - 11));
    if (quote == NULL) {
        return text;
    }
    Py_ssize_t len = quote - (s + 11);
    PyObject *stream = *last_stream;
    if (stream == NULL || PyUnicode_GET_LENGTH(stream) != len ||
        memcmp(PyUnicode_1BYTE_DATA(stream), s + 11, (size_t)len) != 0) {
        stream = PyUnicode_FromStringAndSize(s + 11, len);
        if (stream == NULL) {
            Py_DECREF(text);
            return NULL;
        }
        Py_XSETREF(*last_stream, stream);
    }
    PyObject *value;
    if (ends_with(s + 11, len, "@bookTicker", 11)) {
        value = ticker_u(s, n);
    } else if (ends_with(s + 11, len, "@trade", 6)) {
        Cur c = {s, s + n};
        value = read_trade(&c);
    } else {
        value = Py_NewRef(Py_None);
    }
    if (value == NULL) {
        Py_DECREF(text);
        return NULL;
    }
    PyObject *body = PyTuple_New(3);
    if (body == NULL) {
        Py_DECREF(value);
        Py_DECREF(text);
        return NULL;
    }
    if (PyTuple_CheckExact(value)) {
        PyObject_GC_UnTrack(value); /* (ints, strs and a bool: see hft_items) */
    }
    PyTuple_SET_ITEM(body, 0, Py_NewRef(stream));
    PyTuple_SET_ITEM(body, 1, value);
    PyTuple_SET_ITEM(body, 2, text);
    PyObject_GC_UnTrack(body);
    return body;
}

/* The end of the line that starts at pos (its '\n', or end), and where the next one starts. */
static Py_ssize_t
line_end(PyObject *text, Py_ssize_t pos, Py_ssize_t end, Py_ssize_t *next)
{
    Py_ssize_t nl = PyUnicode_FindChar(text, '\n', pos, end, 1);
    if (nl < 0) {
        *next = end;
        return end;
    }
    *next = nl + 1;
    return nl;
}

/* One line's item, Py_None (new reference) when it is not "<digits> <message>", NULL on error. */
static PyObject *
line_item(PyObject *text, Py_ssize_t pos, Py_ssize_t stop, PyObject *index, Py_ssize_t number,
          PyObject **last_stream)
{
    int kind = PyUnicode_KIND(text);
    const void *data = PyUnicode_DATA(text);
    unsigned long long ts = 0;
    Py_ssize_t j = pos;
    for (; j < stop && j - pos < 19; j++) {
        Py_UCS4 ch = PyUnicode_READ(kind, data, j);
        if (ch < '0' || ch > '9') {
            break;
        }
        ts = ts * 10 + (ch - '0');
    }
    if (j == pos || j >= stop || PyUnicode_READ(kind, data, j) != ' ' || ts > INT64_MAX) {
        Py_RETURN_NONE;
    }
    PyObject *body = line_body(text, j + 1, stop, last_stream);
    if (body == NULL) {
        return NULL;
    }
    PyObject *item = PyTuple_New(4);
    PyObject *t = PyLong_FromUnsignedLongLong(ts);
    PyObject *n = PyLong_FromSsize_t(number);
    if (item == NULL || t == NULL || n == NULL) {
        Py_XDECREF(item);
        Py_XDECREF(t);
        Py_XDECREF(n);
        Py_DECREF(body);
        return NULL;
    }
    PyTuple_SET_ITEM(item, 0, t);
    PyTuple_SET_ITEM(item, 1, Py_NewRef(index));
    PyTuple_SET_ITEM(item, 2, n);
    PyTuple_SET_ITEM(item, 3, body);
    /* items hold only ints, strs and such tuples: no cycle can pass through them, and the
     * collector's young passes have a batch's worth fewer objects to walk */
    PyObject_GC_UnTrack(item);
    return item;
}

static PyObject *
hft_items(PyObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    Py_ssize_t pos, end, count, first;
    if (nargs != 6 || !PyUnicode_CheckExact(args[0])) {
        PyErr_SetString(PyExc_TypeError,
                        "hft_items(text: str, start, end, count, index, first) takes 6 arguments");
        return NULL;
    }
    PyObject *text = args[0], *index = args[4];
    if ((pos = PyLong_AsSsize_t(args[1])) == -1 && PyErr_Occurred()) {
        return NULL;
    }
    if ((end = PyLong_AsSsize_t(args[2])) == -1 && PyErr_Occurred()) {
        return NULL;
    }
    if ((count = PyLong_AsSsize_t(args[3])) == -1 && PyErr_Occurred()) {
        return NULL;
    }
    if ((first = PyLong_AsSsize_t(args[5])) == -1 && PyErr_Occurred()) {
        return NULL;
    }
    if (end > PyUnicode_GET_LENGTH(text) || pos < 0 || pos > end || count < 1) {
        PyErr_SetString(PyExc_ValueError, "hft_items: start, end or count out of range");
        return NULL;
    }
    PyObject *out = PyList_New(0);
    if (out == NULL) {
        return NULL;
    }
    PyObject *last_stream = NULL;
    int plain = 1;
    Py_ssize_t i = 0;
    for (; i < count && pos < end; i++) {
        Py_ssize_t next, stop = line_end(text, pos, end, &next);
        if (plain) {
            PyObject *item = line_item(text, pos, stop, index, first + i, &last_stream);
            if (item == NULL) {
                goto fail;
            }
            if (item == Py_None) {
                plain = 0; /* (the rest is only counted: the caller reads the lines) */
                Py_DECREF(item);
            } else {
                int bad = PyList_Append(out, item);
                Py_DECREF(item);
                if (bad) {
                    goto fail;
                }
            }
        }
        pos = next;
    }
    Py_XDECREF(last_stream);
    if (!plain) {
        Py_DECREF(out);
        out = Py_NewRef(Py_None);
    }
    return Py_BuildValue("(Nn)", out, pos);
fail:
    Py_XDECREF(last_stream);
    Py_DECREF(out);
    return NULL;
}
