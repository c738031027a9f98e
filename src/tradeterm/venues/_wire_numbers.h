/* Numbers of _wire.c: level prices and sizes as fresh Decimals, short strings.
 *
 * Part of _wire.c (included once, after its globals).
 *
 * A level's number is made from its digits (make_decimal in ../_decimal_fast.h: the C
 * decimal object filled in as the constructor fills it, its hash already stored, probed at
 * import: FAST_DECIMAL), or by the constructor when it has more than 19 significant digits
 * or the probe failed. Nothing is cached: a depth message's levels are mostly new prices
 * and sizes, and a cache look-up (a 200,000-entry dict, its strs and Decimals scattered in
 * memory) cost more than making the Decimal.
 */
#include "../_decimal_fast.h"

/* A str with the ASCII text s[0:n], as a new reference. */
static PyObject *
new_text(const char *s, Py_ssize_t n)
{
    PyObject *text = PyUnicode_New(n, 127);
    if (text != NULL) {
        memcpy(PyUnicode_1BYTE_DATA(text), s, (size_t)n);
    }
    return text;
}

/* Decimal(text) for a plain number (digits, at most one '.'), as a new reference. */
static PyObject *
number(const Span *t)
{
    PyObject *value = make_decimal(t->s, t->n);
    if (value != NULL || PyErr_Occurred()) {
        return value;
    }
    PyObject *text = new_text(t->s, t->n);
    if (text == NULL) {
        return NULL;
    }
    value = PyObject_CallOneArg(Decimal, text);
    Py_DECREF(text);
    return value;
}
