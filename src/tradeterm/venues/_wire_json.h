/* The JSON reading of _wire.c: compact ASCII text, strings without escapes, small integers,
 * level lists.
 *
 * Part of _wire.c (included once, after its globals and _wire_numbers.h).
 */

/* The text of a str (compact ASCII only) or bytes; 0 when neither. */
static int
text_of(PyObject *obj, Cur *c)
{
    if (PyUnicode_CheckExact(obj)) {
        if (!PyUnicode_IS_COMPACT_ASCII(obj)) {
            return 0;
        }
        c->p = (const char *)PyUnicode_1BYTE_DATA(obj);
        c->end = c->p + PyUnicode_GET_LENGTH(obj);
        return 1;
    }
    if (PyBytes_CheckExact(obj)) {
        c->p = PyBytes_AS_STRING(obj);
        c->end = c->p + PyBytes_GET_SIZE(obj);
        return 1;
    }
    return 0;
}

static inline int
lit(Cur *c, const char *word, Py_ssize_t n)
{
    if (c->end - c->p < n || memcmp(c->p, word, (size_t)n) != 0) {
        return 0;
    }
    c->p += n;
    return 1;
}

#define LIT(c, word) lit((c), (word), (Py_ssize_t)sizeof(word) - 1)

/* A string without escapes or control characters, printable ASCII (and DEL) only. */
static int
string(Cur *c, Span *out)
{
    if (c->p >= c->end || *c->p != '"') {
        return 0;
    }
    const char *s = ++c->p, *p = s, *end = c->end;
    for (; p < end; p++) {
        unsigned char ch = (unsigned char)*p;
        if (ch == '"') {
            out->s = s;
            out->n = p - s;
            c->p = p + 1;
            return 1;
        }
        if (ch < 0x20 || ch == '\\' || ch >= 0x80) {
            return 0;
        }
    }
    return 0;
}

/* A JSON integer of at most 18 digits (no fraction, no exponent). */
static int
integer(Cur *c, long long *out)
{
    int negative = 0;
    if (c->p < c->end && *c->p == '-') {
        negative = 1;
        c->p++;
    }
    const char *s = c->p;
    long long v = 0;
    while (c->p < c->end && *c->p >= '0' && *c->p <= '9') {
        if (c->p - s < 18) { /* (past 18 digits it is refused below: no overflow) */
            v = v * 10 + (*c->p - '0');
        }
        c->p++;
    }
    Py_ssize_t n = c->p - s;
    if (n == 0 || n > 18 || (n > 1 && *s == '0')) {
        return 0;
    }
    if (c->p < c->end && (*c->p == '.' || *c->p == 'e' || *c->p == 'E')) {
        return 0;
    }
    *out = negative ? -v : v;
    return 1;
}

static int
boolean(Cur *c, int *out)
{
    if (LIT(c, "true")) {
        *out = 1;
        return 1;
    }
    if (LIT(c, "false")) {
        *out = 0;
        return 1;
    }
    return 0;
}

/* A string holding a plain number, read in one pass: ASCII digits with at most one '.', a
 * digit first, at most 200 characters (what _book.parse makes itself). */
static int
number_string(Cur *c, Span *out)
{
    const char *p = c->p, *end = c->end;
    if (end - p < 3 || p[0] != '"' || p[1] < '0' || p[1] > '9') {
        return 0;
    }
    const char *s = ++p;
    int dots = 0;
    for (p++; p < end; p++) {
        char ch = *p;
        if (ch >= '0' && ch <= '9') {
            continue;
        }
        if (ch == '.' && !dots) {
            dots = 1;
            continue;
        }
        if (ch != '"' || p - s > 200) {
            return 0;
        }
        out->s = s;
        out->n = p - s;
        c->p = p + 1;
        return 1;
    }
    return 0;
}

/* The opening of a message: the wrapper's {"stream":"...","data": (stream kept) or none. */
static int
open_message(Cur *c, Span *stream)
{
    stream->s = NULL;
    stream->n = 0;
    if (LIT(c, "{\"stream\":")) {
        if (!string(c, stream) || !LIT(c, ",\"data\":")) {
            return 0;
        }
    }
    return c->p < c->end && *c->p == '{';
}

/* After the inner object: the wrapper's closing brace (when there is one), then the end. */
static int
close_message(Cur *c, const Span *stream)
{
    if (stream->s != NULL && !LIT(c, "}")) {
        return 0;
    }
    return c->p == c->end;
}

/* Key of the next member: '{' or ',' before it was read by the caller. */
static int
key(Cur *c, Span *k)
{
    return string(c, k) && LIT(c, ":");
}

#define KEY_IS(k, word) ((k).n == (Py_ssize_t)sizeof(word) - 1 && memcmp((k).s, word, (k).n) == 0)

/* ---- levels --------------------------------------------------------------------------- */

#define SPANS_LOCAL 128

typedef struct {
    Span *items; /* price, size, price, size... */
    Py_ssize_t n;
    Py_ssize_t cap;
    Span local[SPANS_LOCAL];
} Spans;

static void
spans_free(Spans *sp)
{
    if (sp->items != sp->local) {
        PyMem_Free(sp->items);
    }
}

static int
spans_push(Spans *sp, const Span *t)
{
    if (sp->n == sp->cap) {
        Py_ssize_t cap = sp->cap * 2;
        Span *grown;
        if (sp->items == sp->local) {
            grown = PyMem_Malloc((size_t)cap * sizeof(Span));
            if (grown != NULL) {
                memcpy(grown, sp->local, (size_t)sp->n * sizeof(Span));
            }
        } else {
            grown = PyMem_Realloc(sp->items, (size_t)cap * sizeof(Span));
        }
        if (grown == NULL) {
            PyErr_NoMemory();
            return -1;
        }
        sp->items = grown;
        sp->cap = cap;
    }
    sp->items[sp->n++] = *t;
    return 0;
}

/* [["p","q"],...] into spans; 1 read, 0 not plain, -1 error. */
static int
levels(Cur *c, Spans *sp)
{
    if (!LIT(c, "[")) {
        return 0;
    }
    if (!LIT(c, "]")) {
        for (;;) {
            Span price, size;
            if (!LIT(c, "[") || !number_string(c, &price) || !LIT(c, ",") ||
                !number_string(c, &size) || !LIT(c, "]")) {
                return 0;
            }
            if (spans_push(sp, &price) < 0 || spans_push(sp, &size) < 0) {
                return -1;
            }
            if (LIT(c, "]")) {
                break;
            }
            if (!LIT(c, ",")) {
                return 0;
            }
        }
    }
    return 1;
}
