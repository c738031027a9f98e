/* decimal.Decimal read and made from its C layout, and hashed in C: shared by the optional
 * extensions domain/_book.c and venues/_wire.c (each includes it once, after defining its
 * own ``static PyObject *Decimal`` = decimal.Decimal).
 *
 * CPython's C decimal object (Modules/_decimal: a PyDecObject around libmpdec's mpd_t with
 * a four-word inline coefficient in base 10**19) is not a public API: each module probes
 * it at import on known values (decimal_fast_probe here, and _book's own comparison probe)
 * and uses the constructor, RichCompare and hash() when anything disagrees.
 *
 * - hash_parts(coefficient, exp, negative): Python's numeric hash of a one-word value,
 *   coefficient * 10**exp modulo 2**61 - 1, the sign applied, -1 -> -2 (what
 *   Decimal.__hash__ computes with a modular power in libmpdec).
 * - make_decimal(s, n): Decimal(s[0:n]) for a plain number (ASCII digits, at most one '.')
 *   of at most 19 significant digits, made field by field with its hash already stored (a
 *   dict look-up or a book's insert then never computes it); NULL with no error set for any
 *   other text (the caller uses the constructor). Only while ``fast_decimal`` is on.
 */
#ifndef TRADETERM_DECIMAL_FAST_H
#define TRADETERM_DECIMAL_FAST_H

#include <stdint.h>
#include <string.h>

/* libmpdec's mpd_t (64-bit build) after the object's cached hash. */
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

#define MODULUS 2305843009213693951ULL /* 2**61 - 1, _PyHASH_MODULUS on 64-bit builds */
#define TEN_INVERSE 2075258708292324556ULL /* pow(10, MODULUS - 2, MODULUS) */

#if defined(__SIZEOF_INT128__) && SIZEOF_VOID_P == 8
#define LAYOUT_POSSIBLE 1
#else
#define LAYOUT_POSSIBLE 0 /* (32-bit builds, MSVC): the constructor, RichCompare, hash() */
#endif

static uint64_t
mulmod(uint64_t a, uint64_t b)
{
#if LAYOUT_POSSIBLE
    unsigned __int128 p = (unsigned __int128)a * b;
    uint64_t lo = (uint64_t)(p & MODULUS), hi = (uint64_t)(p >> 61);
    uint64_t r = lo + hi; /* 2**61 == 1 (mod 2**61 - 1) */
    r = (r & MODULUS) + (r >> 61);
    return r >= MODULUS ? r - MODULUS : r;
#else
    (void)a;
    (void)b;
    return 0; /* never called: the probes fail first */
#endif
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

/* 10**-k modulo 2**61 - 1 for the exponents of plain text (at most 200 characters). */
#define INVERSE_POWERS 201
static uint64_t inverse_powers[INVERSE_POWERS];
static int inverse_ready = 0;

static void
decimal_fast_init(void)
{
    uint64_t p = 1;
    for (int k = 0; k < INVERSE_POWERS; k++) {
        inverse_powers[k] = p;
        p = mulmod(p, TEN_INVERSE);
    }
    inverse_ready = LAYOUT_POSSIBLE;
}

static Py_hash_t
hash_parts(uint64_t coefficient, Py_ssize_t exp, int negative)
{
    uint64_t scale;
    if (exp >= 0) {
        scale = powmod(10, (uint64_t)exp);
    } else if (inverse_ready && -exp < INVERSE_POWERS) {
        scale = inverse_powers[-exp];
    } else {
        scale = powmod(TEN_INVERSE, (uint64_t)(-exp));
    }
    Py_hash_t h = (Py_hash_t)mulmod(coefficient % MODULUS, scale);
    if (negative) {
        h = -h;
    }
    return h == -1 ? -2 : h;
}

static int fast_decimal = 0;
static uint8_t fresh_flags = 0; /* a new Decimal's storage flags (static object, static data) */

/* The digits of s[0:n] from p on into *coefficient (wrapping past 19 digits: the caller
 * refuses those); where they stop. */
static inline const char *
read_digits(const char *p, const char *end, uint64_t *coefficient)
{
    uint64_t c = *coefficient;
    for (; p < end && (unsigned char)(*p - '0') < 10; p++) {
        c = c * 10 + (uint64_t)(*p - '0');
    }
    *coefficient = c;
    return p;
}

static PyObject *
make_decimal(const char *s, Py_ssize_t n)
{
    if (!fast_decimal || n == 0 || (unsigned char)(s[0] - '0') >= 10) {
        return NULL;
    }
    const char *end = s + n, *p = s;
    while (p < end && *p == '0') {
        p++; /* leading zeros are not digits of the coefficient */
    }
    uint64_t coefficient = 0;
    const char *stop = read_digits(p, end, &coefficient);
    Py_ssize_t digits = stop - p, exp = 0;
    if (stop < end) {
        if (*stop != '.') {
            return NULL;
        }
        const char *fraction = stop + 1;
        p = fraction;
        if (digits == 0) {
            while (p < end && *p == '0') {
                p++; /* 0.000123: still leading zeros */
            }
        }
        stop = read_digits(p, end, &coefficient);
        if (stop < end) {
            return NULL;
        }
        digits += stop - p;
        exp = -(end - fraction);
    }
    if (digits > 19) {
        return NULL;
    }
    DecView *dec = PyObject_New(DecView, (PyTypeObject *)Decimal);
    if (dec == NULL) {
        return NULL;
    }
    dec->hash = hash_parts(coefficient, exp, 0);
    dec->dec.flags = fresh_flags;
    dec->dec.exp = exp;
    dec->dec.digits = digits ? digits : 1;
    dec->dec.len = 1;
    dec->dec.alloc = 4;
    dec->dec.data = dec->data;
    dec->data[0] = coefficient;
    return (PyObject *)dec;
}

/* The text both ways: the same fields, str(), value and hash; 1 when they agree. */
static int
probe_made(const char *text)
{
    PyObject *theirs = PyObject_CallFunction(Decimal, "s", text);
    PyObject *mine = theirs == NULL ? NULL : make_decimal(text, (Py_ssize_t)strlen(text));
    int ok = 0;
    if (mine != NULL) {
        const DecView *a = (DecView *)theirs, *b = (DecView *)mine;
        ok = a->hash == -1 && a->dec.flags == b->dec.flags && a->dec.exp == b->dec.exp &&
             a->dec.digits == b->dec.digits && a->dec.len == b->dec.len &&
             a->dec.alloc == b->dec.alloc && a->dec.data == a->data &&
             a->data[0] == b->data[0];
        PyObject *x = ok ? PyObject_Str(theirs) : NULL;
        PyObject *y = x == NULL ? NULL : PyObject_Str(mine);
        ok = y != NULL && PyUnicode_Compare(x, y) == 0 &&
             PyObject_RichCompareBool(theirs, mine, Py_EQ) == 1 &&
             PyObject_Hash(theirs) == b->hash && a->hash == b->hash;
        Py_XDECREF(x);
        Py_XDECREF(y);
    }
    Py_XDECREF(theirs);
    Py_XDECREF(mine);
    PyErr_Clear();
    return ok;
}

/* Turn make_decimal on when decimal.Decimal is the layout above and every known value
 * made both ways agrees (hash included); the answer is also fast_decimal. */
static int
decimal_fast_probe(void)
{
    PyTypeObject *type = (PyTypeObject *)Decimal;
    fast_decimal = 0;
    decimal_fast_init();
    if (!LAYOUT_POSSIBLE || type->tp_basicsize != (Py_ssize_t)sizeof(DecView) ||
        (type->tp_flags & Py_TPFLAGS_HAVE_GC) || type->tp_itemsize != 0) {
        return 0;
    }
    PyObject *zero = PyObject_CallFunction(Decimal, "s", "0");
    if (zero == NULL) {
        PyErr_Clear();
        return 0;
    }
    fresh_flags = ((DecView *)zero)->dec.flags;
    Py_DECREF(zero);
    static const char *known[] = {
        "61800.30", "0.00100000", "0", "0.000", "0000.0000", "00012", "1.", "5.0", "100",
        "123.456", "9999999999999999999", "999999999.9999999999", "0.0000000000000000001",
        "1844674407370955161", "2305843009213693951", "2305843009213693952",
        "0.00000000000000000000000123",
        "0.0000000000000000000000000000000000000000000000000000000000000000000000000000000000"
        "00000000000000000000000000000000000000000000000000000000000000000000000000000000000"
        "0000000000000000000000000000007",
        "000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
        "0000000000000000000000000000000000000000000000000000000000000000000000000000000000"
        "000000000000000000000000000.000000000000000000000000000000000000000000000042",
    };
    fast_decimal = 1; /* (for make_decimal below; reset when any value disagrees) */
    for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++) {
        if (!probe_made(known[i])) {
            fast_decimal = 0;
        }
    }
    return fast_decimal;
}

#endif /* TRADETERM_DECIMAL_FAST_H */
