/* Numbers of _wire.c: Decimals made from their digits, short strings made once, the caches.
 *
 * Part of _wire.c (included once, after its globals).
 */

/* ---- Decimals made from their digits ---------------------------------------------------
 * Decimal(text) for a plain number takes about 2,000 instructions (the constructor finds
 * the context, copies and strips the text, then parses it); a new price or size is made on
 * most levels of a fresh capture. A plain number whose digits fit one 64-bit word is made
 * here as the constructor makes it: the C decimal object (CPython's Modules/_decimal, a
 * PyDecObject around libmpdec's mpd_t with a four-word inline coefficient, as
 * tradeterm.domain._book reads it) with its coefficient, digit count and exponent filled
 * in. That layout is not a public API: at import the module makes known values both ways
 * and compares every field and the values' str(); only when all agree is this path on
 * (FAST_DECIMAL says which). Anything else goes through the constructor. */

typedef struct {
    uint8_t flags;
    Py_ssize_t exp;
    Py_ssize_t digits;
    Py_ssize_t len;
    Py_ssize_t alloc;
    uint64_t *data;
} Mpd;

typedef struct {
    PyObject_HEAD
    Py_hash_t hash;
    Mpd dec;
    uint64_t data[4];
} DecObject;

static int fast_decimal = 0;
static uint8_t fresh_flags = 0; /* a new Decimal's storage flags (static object, static data) */

/* Decimal(s[0:n]) for a plain number (digits, at most one '.'), or NULL with no error set
 * when it is not made here. */
static PyObject *
make_decimal(const char *s, Py_ssize_t n)
{
    uint64_t coefficient = 0;
    Py_ssize_t digits = 0, fraction = -1;
    for (Py_ssize_t i = 0; i < n; i++) {
        if (s[i] == '.') {
            fraction = 0;
            continue;
        }
        if (fraction >= 0) {
            fraction++;
        }
        if (digits == 0 && s[i] == '0') {
            continue; /* leading zeros are not digits of the coefficient */
        }
        if (++digits > 19) {
            return NULL;
        }
        coefficient = coefficient * 10 + (uint64_t)(s[i] - '0');
    }
    DecObject *dec = PyObject_New(DecObject, (PyTypeObject *)Decimal);
    if (dec == NULL) {
        return NULL;
    }
    dec->hash = -1;
    dec->dec.flags = fresh_flags;
    dec->dec.exp = fraction > 0 ? -fraction : 0;
    dec->dec.digits = digits ? digits : 1;
    dec->dec.len = 1;
    dec->dec.alloc = 4;
    dec->dec.data = dec->data;
    dec->data[0] = coefficient;
    return (PyObject *)dec;
}

/* The text both ways: the same fields, the same str(); 1 when they agree. */
static int
probe_decimal(const char *text)
{
    PyObject *theirs = PyObject_CallFunction(Decimal, "s", text);
    PyObject *mine = theirs == NULL ? NULL : make_decimal(text, (Py_ssize_t)strlen(text));
    int ok = 0;
    if (mine != NULL) {
        const DecObject *a = (DecObject *)theirs, *b = (DecObject *)mine;
        ok = a->hash == b->hash && a->dec.flags == b->dec.flags && a->dec.exp == b->dec.exp &&
             a->dec.digits == b->dec.digits && a->dec.len == b->dec.len &&
             a->dec.alloc == b->dec.alloc && a->dec.data == a->data &&
             a->data[0] == b->data[0];
        PyObject *x = ok ? PyObject_Str(theirs) : NULL;
        PyObject *y = x == NULL ? NULL : PyObject_Str(mine);
        ok = y != NULL && PyUnicode_Compare(x, y) == 0 &&
             PyObject_RichCompareBool(theirs, mine, Py_EQ) == 1 &&
             PyObject_Hash(theirs) == PyObject_Hash(mine);
        Py_XDECREF(x);
        Py_XDECREF(y);
    }
    Py_XDECREF(theirs);
    Py_XDECREF(mine);
    PyErr_Clear();
    return ok;
}

static int
probe_decimals(void)
{
    PyTypeObject *type = (PyTypeObject *)Decimal;
    if (SIZEOF_VOID_P != 8 || type->tp_basicsize != (Py_ssize_t)sizeof(DecObject) ||
        (type->tp_flags & Py_TPFLAGS_HAVE_GC) || type->tp_itemsize != 0) {
        return 0;
    }
    PyObject *zero = PyObject_CallFunction(Decimal, "s", "0");
    if (zero == NULL) {
        PyErr_Clear();
        return 0;
    }
    fresh_flags = ((DecObject *)zero)->dec.flags;
    Py_DECREF(zero);
    fast_decimal = 1; /* (make_decimal is tried below; reset when any probe fails) */
    static const char *known[] = {
        "61800.30", "0.00100000", "0", "0.000", "00012", "1.", "9999999999999999999",
        "123.456", "0.00000000000000000000000123", "100", "5.0",
    };
    for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++) {
        if (!probe_decimal(known[i])) {
            fast_decimal = 0;
        }
    }
    return fast_decimal;
}

/* ---- short strings, made once ----------------------------------------------------------
 * The str objects for level prices and sizes (and trade prices, symbols) are kept in an
 * open-addressing table keyed by their bytes: the same text gives the same str object,
 * whose hash Python has cached, so a cache look-up with it is a pointer compare in the
 * dict instead of a new string and a siphash per level. The table holds more texts than
 * the replay's two caches keep (200,000 each) and is emptied when it is half full. */

#define TABLE_SIZE (1 << 19) /* (4 MB of pointers; the strs are mostly the caches' own keys) */
#define TABLE_MAX (TABLE_SIZE / 2)
#define TEXT_MAX 40 /* longer texts are made afresh each time */

static PyObject **table = NULL;
static Py_ssize_t table_used = 0;

/* A hash of at most TEXT_MAX bytes, eight at a time (multiply and fold). */
static uint32_t
text_hash(const char *s, Py_ssize_t n)
{
    uint64_t h = (uint64_t)n * 0x9E3779B97F4A7C15ULL;
    for (; n >= 8; s += 8, n -= 8) {
        uint64_t w;
        memcpy(&w, s, 8);
        h = (h ^ w) * 0xFF51AFD7ED558CCDULL;
        h ^= h >> 32;
    }
    if (n > 0) {
        uint64_t w = 0;
        memcpy(&w, s, (size_t)n);
        h = (h ^ w) * 0xC4CEB9FE1A85EC53ULL;
    }
    return (uint32_t)(h ^ (h >> 29));
}

static PyObject *
new_text(const char *s, Py_ssize_t n)
{
    PyObject *text = PyUnicode_New(n, 127);
    if (text != NULL) {
        memcpy(PyUnicode_1BYTE_DATA(text), s, (size_t)n);
    }
    return text;
}

/* A str with the ASCII text s[0:n], as a new reference. */
static PyObject *
text_for(const char *s, Py_ssize_t n)
{
    if (n > TEXT_MAX) {
        return new_text(s, n);
    }
    uint32_t i = text_hash(s, n) & (TABLE_SIZE - 1);
    for (;;) {
        PyObject *held = table[i];
        if (held == NULL) {
            break;
        }
        if (PyUnicode_GET_LENGTH(held) == n && memcmp(PyUnicode_1BYTE_DATA(held), s, (size_t)n) == 0) {
            return Py_NewRef(held);
        }
        i = (i + 1) & (TABLE_SIZE - 1);
    }
    if (table_used >= TABLE_MAX) {
        for (Py_ssize_t j = 0; j < TABLE_SIZE; j++) {
            Py_CLEAR(table[j]);
        }
        table_used = 0;
        i = text_hash(s, n) & (TABLE_SIZE - 1);
    }
    PyObject *text = new_text(s, n);
    if (text == NULL) {
        return NULL;
    }
    table[i] = Py_NewRef(text);
    table_used++;
    return text;
}

typedef struct {
    PyObject *cache;
    Py_ssize_t limit; /* -1: not read yet; -2: none (the cache's own miss always) */
} Cache;

/* The cache's value for an ASCII number, as a new reference (see the note on depth). */
static PyObject *
cached(Cache *c, const Span *t)
{
    PyObject *text = text_for(t->s, t->n);
    if (text == NULL) {
        return NULL;
    }
    PyObject *value = PyDict_GetItemWithError(c->cache, text);
    if (value != NULL) {
        Py_DECREF(text);
        return Py_NewRef(value);
    }
    if (PyErr_Occurred()) {
        Py_DECREF(text);
        return NULL;
    }
    if (c->limit == -1) {
        c->limit = -2;
        PyObject *limit = PyObject_GetAttr(c->cache, str_limit);
        if (limit != NULL && PyLong_CheckExact(limit)) {
            Py_ssize_t v = PyLong_AsSsize_t(limit);
            if (v >= 0) {
                c->limit = v;
            }
        }
        Py_XDECREF(limit);
        PyErr_Clear();
    }
    if (c->limit < 0) {
        value = PyObject_GetItem(c->cache, text);
        Py_DECREF(text);
        return value;
    }
    if (PyDict_GET_SIZE(c->cache) >= c->limit) {
        PyDict_Clear(c->cache);
    }
    value = fast_decimal ? make_decimal(t->s, t->n) : NULL;
    if (value == NULL && !PyErr_Occurred()) {
        value = PyObject_CallOneArg(Decimal, text);
    }
    if (value != NULL && PyDict_SetItem(c->cache, text, value) < 0) {
        Py_CLEAR(value);
    }
    Py_DECREF(text);
    return value;
}
