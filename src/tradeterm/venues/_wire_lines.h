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
    for (Py_ssize_t i = 0; i + 4 <= n; i++) {
        if (s[i] == '"' && memcmp(s + i, "\"u\":", 4) == 0) {
            const char *d = s + i + 4, *end = s + n;
            long long v = 0;
            int digits = 0;
            while (d < end && *d >= '0' && *d <= '9' && digits < 19) {
                v = v * 10 + (*d - '0');
                d++;
                digits++;
            }
            if (digits == 0 || digits > 18 || d >= end || *d != ',') {
                Py_RETURN_NONE;
            }
            return PyLong_FromLongLong(v);
        }
    }
    Py_RETURN_NONE;
}

/* The body of one line: the text itself, or (stream, value, text) (see the module note). */
static PyObject *
line_body(PyObject *line, Py_ssize_t from, PyObject **last_stream)
{
    PyObject *text = PyUnicode_Substring(line, from, PyUnicode_GET_LENGTH(line));
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

static PyObject *
hft_items(PyObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 3 || !PyList_CheckExact(args[0])) {
        PyErr_SetString(PyExc_TypeError, "hft_items(lines: list, index, first) takes 3 arguments");
        return NULL;
    }
    Py_ssize_t first = PyLong_AsSsize_t(args[2]);
    if (first == -1 && PyErr_Occurred()) {
        return NULL;
    }
    PyObject *index = args[1];
    PyObject *lines = args[0];
    Py_ssize_t n = PyList_GET_SIZE(lines);
    PyObject *out = PyList_New(n);
    if (out == NULL) {
        return NULL;
    }
    PyObject_GC_UnTrack(out);
    PyObject *last_stream = NULL;
    Py_ssize_t i = 0;
    for (; i < n; i++) {
        PyObject *line = PyList_GET_ITEM(lines, i);
        if (!PyUnicode_CheckExact(line)) {
            break;
        }
        Py_ssize_t len = PyUnicode_GET_LENGTH(line);
        int kind = PyUnicode_KIND(line);
        const void *data = PyUnicode_DATA(line);
        unsigned long long ts = 0;
        Py_ssize_t j = 0;
        for (; j < len && j < 19; j++) {
            Py_UCS4 ch = PyUnicode_READ(kind, data, j);
            if (ch < '0' || ch > '9') {
                break;
            }
            ts = ts * 10 + (ch - '0');
        }
        if (j == 0 || j >= len || PyUnicode_READ(kind, data, j) != ' ' || ts > INT64_MAX) {
            break; /* (not "<digits> ": the caller's own reading reports it) */
        }
        PyObject *body = line_body(line, j + 1, &last_stream);
        if (body == NULL) {
            goto fail;
        }
        PyObject *item = PyTuple_New(4);
        PyObject *t = PyLong_FromUnsignedLongLong(ts);
        PyObject *num = PyLong_FromSsize_t(first + i);
        if (item == NULL || t == NULL || num == NULL) {
            Py_XDECREF(item);
            Py_XDECREF(t);
            Py_XDECREF(num);
            Py_DECREF(body);
            goto fail;
        }
        PyTuple_SET_ITEM(item, 0, t);
        PyTuple_SET_ITEM(item, 1, Py_NewRef(index));
        PyTuple_SET_ITEM(item, 2, num);
        PyTuple_SET_ITEM(item, 3, body);
        /* items hold only ints, strs and such tuples: no cycle can pass through them, and
         * the collector's young passes have a batch's worth fewer objects to walk */
        PyObject_GC_UnTrack(item);
        PyList_SET_ITEM(out, i, item);
    }
    Py_XDECREF(last_stream);
    if (i < n) {
        Py_SET_SIZE(out, i);
        Py_DECREF(out);
        Py_RETURN_NONE;
    }
    PyObject_GC_Track(out);
    return out;
fail:
    Py_XDECREF(last_stream);
    Py_SET_SIZE(out, i);
    Py_DECREF(out);
    return NULL;
}
