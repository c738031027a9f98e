/* Optional C kernels of the indicators: the sequential loops TA-Lib runs, one pass each.
 *
 * Plain C over the buffer protocol (no numpy C API): every argument named like an array is
 * any object exporting a contiguous 1-D float64 buffer (a numpy array or a slice of one);
 * outputs must be writable. The loops run without the GIL. tradeterm.analysis.native picks
 * these when the module is built (setup.py, optional) and falls back to the numpy code in
 * indicator_arrays.py otherwise, or when TRADETERM_KERNELS=numpy.
 *
 * Must not be compiled with -ffast-math: the NaN of 0/0 and the order of the additions are
 * part of the results.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <math.h>
#include <string.h>

typedef struct {
    Py_buffer view;
    double *data;
    Py_ssize_t size;
    int held;
} Vec;

static int
vec_get(PyObject *obj, Vec *vec, int writable, const char *name)
{
    int flags = PyBUF_C_CONTIGUOUS | PyBUF_FORMAT | (writable ? PyBUF_WRITABLE : 0);
    vec->held = 0;
    if (PyObject_GetBuffer(obj, &vec->view, flags) < 0) {
        PyErr_Format(PyExc_TypeError,
                     "%s must be a contiguous%s 1-D float64 array", name,
                     writable ? ", writable" : "");
        return -1;
    }
    vec->held = 1;
    const char *format = vec->view.format ? vec->view.format : "B";
    size_t length = strlen(format);
    int native_double = (length == 1 && format[0] == 'd') ||
                        (length == 2 && strchr("@=<", format[0]) && format[1] == 'd');
    if (vec->view.ndim != 1 || vec->view.itemsize != 8 || !native_double) {
        PyErr_Format(PyExc_TypeError, "%s must be a 1-D float64 array", name);
        return -1;
    }
    vec->data = (double *)vec->view.buf;
    vec->size = vec->view.shape[0];
    return 0;
}

static void
vec_release(Vec *vecs, int count)
{
    for (int i = 0; i < count; i++) {
        if (vecs[i].held) {
            PyBuffer_Release(&vecs[i].view);
            vecs[i].held = 0;
        }
    }
}

static int
too_short(const char *what)
{
    PyErr_Format(PyExc_ValueError, "%s", what);
    return -1;
}

/* recurrence(tail, seed, d, scale, out): out[0] = seed,
 * out[i] = d * out[i-1] + scale * tail[i-1]; len(tail) >= len(out) - 1. */
static PyObject *
recurrence(PyObject *self, PyObject *args)
{
    PyObject *tail_obj, *out_obj;
    double seed, d, scale;
    Vec v[2];
    memset(v, 0, sizeof v);
    if (!PyArg_ParseTuple(args, "OdddO", &tail_obj, &seed, &d, &scale, &out_obj))
        return NULL;
    if (vec_get(tail_obj, &v[0], 0, "tail") < 0 || vec_get(out_obj, &v[1], 1, "out") < 0)
        goto fail;
    Py_ssize_t n = v[1].size;
    if (n > 0 && v[0].size < n - 1 && too_short("tail is shorter than out - 1") < 0)
        goto fail;
    const double *z = v[0].data;
    double *y = v[1].data;
    Py_BEGIN_ALLOW_THREADS
    if (n > 0) {
        /* locals, not the parsed arguments: those had their address taken, and the compiler
         * would keep the running value in memory (a store and a load per row) */
        const double decay = d, factor = scale;
        double acc = seed;
        y[0] = acc;
        for (Py_ssize_t i = 1; i < n; i++) {
            acc = decay * acc + factor * z[i - 1];
            y[i] = acc;
        }
    }
    Py_END_ALLOW_THREADS
    vec_release(v, 2);
    Py_RETURN_NONE;
fail:
    vec_release(v, 2);
    return NULL;
}

/* macd(values, fast_seed, fast_d, fast_k, slow_seed, slow_d, slow_k, signal_period, signal_d,
 *      signal_k, line, signal, hist): line[i] = fast EMA - slow EMA (both seeded at
 * i = 0, fed values[i-1] after), then its signal EMA (seeded with
 * the mean of its first signal_period values) and hist = line - signal, all in one loop so
 * the three recurrences overlap; line[:signal_period - 1] is set to NaN after use.
 * len(signal) = len(hist) = len(line) - signal_period + 1. */
static PyObject *
macd(PyObject *self, PyObject *args)
{
    PyObject *values_obj, *line_obj, *signal_obj, *hist_obj;
    double fast, fd, fk, slow, sd, sk, gd, gk;
    Py_ssize_t g;
    Vec v[4];
    memset(v, 0, sizeof v);
    if (!PyArg_ParseTuple(args, "OddddddnddOOO", &values_obj, &fast, &fd, &fk, &slow, &sd, &sk,
                          &g, &gd, &gk, &line_obj, &signal_obj, &hist_obj))
        return NULL;
    if (vec_get(values_obj, &v[0], 0, "values") < 0 || vec_get(line_obj, &v[1], 1, "line") < 0 ||
        vec_get(signal_obj, &v[2], 1, "signal") < 0 || vec_get(hist_obj, &v[3], 1, "hist") < 0)
        goto fail;
    Py_ssize_t n = v[1].size;
    if ((g < 1 || n < g || v[0].size < n - 1 || v[2].size != n - g + 1 ||
         v[3].size != n - g + 1) &&
        too_short("macd needs len(values) >= len(line) - 1 >= signal_period - 1 and "
                  "len(signal) = len(hist) = len(line) - signal_period + 1") < 0)
        goto fail;
    const double *x = v[0].data;
    double *line = v[1].data, *signal = v[2].data, *hist = v[3].data;
    Py_BEGIN_ALLOW_THREADS
    const double fast_d = fd, fast_k = fk, slow_d = sd, slow_k = sk;
    const double signal_d = gd, signal_k = gk;
    double f = fast, s = slow, seed = 0.0;
    line[0] = f - s;
    for (Py_ssize_t i = 1; i < g; i++) {
        double value = x[i - 1];
        f = fast_d * f + fast_k * value;
        s = slow_d * s + slow_k * value;
        line[i] = f - s;
    }
    for (Py_ssize_t i = 0; i < g; i++)
        seed += line[i];
    double acc = seed / (double)g;
    signal[0] = acc;
    hist[0] = line[g - 1] - acc;
    for (Py_ssize_t i = g; i < n; i++) {
        double value = x[i - 1];
        f = fast_d * f + fast_k * value;
        s = slow_d * s + slow_k * value;
        double m = f - s;
        line[i] = m;
        acc = signal_d * acc + signal_k * m;
        signal[i - g + 1] = acc;
        hist[i - g + 1] = m - acc;
    }
    for (Py_ssize_t i = 0; i + 1 < g; i++)
        line[i] = NAN;
    Py_END_ALLOW_THREADS
    vec_release(v, 4);
    Py_RETURN_NONE;
fail:
    vec_release(v, 4);
    return NULL;
}

/* rsi(values, period, gain_seed, loss_seed, out): Wilder sums of the gains and of the losses
 * (negative) of the changes of values, seeded at row period; out[j] (row period + j) =
 * 100 * gain / (gain - loss); len(out) = len(values) - period. */
static PyObject *
rsi(PyObject *self, PyObject *args)
{
    PyObject *values_obj, *out_obj;
    Py_ssize_t period;
    double gain, loss;
    Vec v[2];
    memset(v, 0, sizeof v);
    if (!PyArg_ParseTuple(args, "OnddO", &values_obj, &period, &gain, &loss, &out_obj))
        return NULL;
    if (vec_get(values_obj, &v[0], 0, "values") < 0 || vec_get(out_obj, &v[1], 1, "out") < 0)
        goto fail;
    Py_ssize_t n = v[1].size;
    if ((period < 1 || v[0].size < period + n) && too_short("values shorter than period + out") < 0)
        goto fail;
    const double *x = v[0].data + period;
    double *out = v[1].data;
    double d = 1.0 - 1.0 / (double)period;
    Py_BEGIN_ALLOW_THREADS
    if (n > 0) {
        double up_sum = gain, down_sum = loss;
        out[0] = up_sum / (up_sum - down_sum) * 100.0;
        for (Py_ssize_t j = 1; j < n; j++) {
            double change = x[j] - x[j - 1];
            /* branch-free (the sign of a change is a coin toss): up is change or 0, exactly,
             * and change - up is exactly the loss part */
            double up = 0.5 * (change + fabs(change));
            up_sum = d * up_sum + up;
            down_sum = d * down_sum + (change - up);
            out[j] = up_sum / (up_sum - down_sum) * 100.0;
        }
    }
    Py_END_ALLOW_THREADS
    vec_release(v, 2);
    Py_RETURN_NONE;
fail:
    vec_release(v, 2);
    return NULL;
}

/* atr(high, low, close, period, seed, out): out[0] = seed (row period), then
 * out[j] = d * out[j-1] + tr / period with tr the true range of row period + j;
 * len(out) = len(close) - period. */
static PyObject *
atr(PyObject *self, PyObject *args)
{
    PyObject *high_obj, *low_obj, *close_obj, *out_obj;
    Py_ssize_t period;
    double seed;
    Vec v[4];
    memset(v, 0, sizeof v);
    if (!PyArg_ParseTuple(args, "OOOndO", &high_obj, &low_obj, &close_obj, &period, &seed,
                          &out_obj))
        return NULL;
    if (vec_get(high_obj, &v[0], 0, "high") < 0 || vec_get(low_obj, &v[1], 0, "low") < 0 ||
        vec_get(close_obj, &v[2], 0, "close") < 0 || vec_get(out_obj, &v[3], 1, "out") < 0)
        goto fail;
    Py_ssize_t n = v[3].size;
    Py_ssize_t rows = period + n;
    if ((period < 1 || v[0].size < rows || v[1].size < rows || v[2].size < rows) &&
        too_short("high, low and close need period + len(out) rows") < 0)
        goto fail;
    const double *high = v[0].data, *low = v[1].data, *close = v[2].data;
    double *out = v[3].data;
    double d = 1.0 - 1.0 / (double)period, scale = 1.0 / (double)period;
    Py_BEGIN_ALLOW_THREADS
    if (n > 0) {
        double acc = seed;  /* seed had its address taken: the loop runs on a local */
        out[0] = acc;
        for (Py_ssize_t i = period + 1; i < rows; i++) {
            double previous = close[i - 1];
            double top = high[i] > previous ? high[i] : previous;
            double bottom = low[i] < previous ? low[i] : previous;
            acc = d * acc + scale * (top - bottom);
            out[i - period] = acc;
        }
    }
    Py_END_ALLOW_THREADS
    vec_release(v, 4);
    Py_RETURN_NONE;
fail:
    vec_release(v, 4);
    return NULL;
}

/* bollinger(values, period, factor, middle, upper, lower, percent_b, width): every window
 * of period values (window t ends at values[t + period - 1]; outputs of one length,
 * len(values) - period + 1).
 *
 * Windows go in blocks of period; every window of a block holds the last value of the
 * block's first window, and the sums run over deviations from it: the block's first window
 * summed directly, each later one by adding the value coming in and removing the one going
 * out. So at most 2 * period terms ever meet in a sum, the squares do not cancel against
 * the price level, and nothing drifts along the series. */
static PyObject *
bollinger(PyObject *self, PyObject *args)
{
    PyObject *objs[6];
    Py_ssize_t period;
    double factor;
    Vec v[6];
    memset(v, 0, sizeof v);
    static const char *names[6] = {"values", "middle", "upper", "lower", "percent_b", "width"};
    if (!PyArg_ParseTuple(args, "OndOOOOO", &objs[0], &period, &factor, &objs[1], &objs[2],
                          &objs[3], &objs[4], &objs[5]))
        return NULL;
    for (int i = 0; i < 6; i++) {
        if (vec_get(objs[i], &v[i], i > 0, names[i]) < 0)
            goto fail;
    }
    Py_ssize_t outputs = v[0].size - period + 1;
    if (period < 1 && too_short("period must be >= 1") < 0)
        goto fail;
    for (int i = 1; i < 6; i++) {
        if (v[i].size != (outputs > 0 ? outputs : 0) &&
            too_short("each output needs len(values) - period + 1 slots") < 0)
            goto fail;
    }
    const double *x = v[0].data;
    double *middle = v[1].data, *upper = v[2].data, *lower = v[3].data;
    double *percent_b = v[4].data, *width = v[5].data;
    const double inverse = 1.0 / (double)period, scale = factor;
    Py_BEGIN_ALLOW_THREADS
    for (Py_ssize_t block = 0; block < outputs; block += period) {
        Py_ssize_t end = block + period < outputs ? block + period : outputs;
        double shift = x[block + period - 1];
        double sum = 0.0, squares = 0.0;
        for (Py_ssize_t j = block; j < block + period; j++) {
            double dev = x[j] - shift;
            sum += dev;
            squares += dev * dev;
        }
        for (Py_ssize_t t = block; t < end; t++) {
            if (t > block) {
                double in = x[t + period - 1] - shift, out = x[t - 1] - shift;
                sum += in - out;
                squares += in * in - out * out;
            }
            double mean = sum * inverse; /* two divisions fewer a row; an ulp apart */
            double var = squares * inverse - mean * mean;
            double half = sqrt(var > 0.0 ? var : 0.0) * scale;
            double m = mean + shift;
            double up = m + half, down = m - half;
            double full = up - down;
            middle[t] = m;
            upper[t] = up;
            lower[t] = down;
            percent_b[t] = (x[t + period - 1] - down) / full; /* 0/0: NaN on a flat window */
            width[t] = m == 0.0 ? NAN : full / m;
        }
    }
    Py_END_ALLOW_THREADS
    vec_release(v, 6);
    Py_RETURN_NONE;
fail:
    vec_release(v, 6);
    return NULL;
}

static PyMethodDef methods[] = {
    {"recurrence", recurrence, METH_VARARGS, "out[0] = seed; out[i] = d*out[i-1] + scale*tail[i-1]"},
    {"macd", macd, METH_VARARGS, "MACD line, signal and histogram in one loop"},
    {"rsi", rsi, METH_VARARGS, "Wilder RSI from row period on"},
    {"atr", atr, METH_VARARGS, "Wilder ATR from row period on, true range inline"},
    {"bollinger", bollinger, METH_VARARGS, "the five Bollinger columns of every window"},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_kernels",
    "C loops behind the indicators (optional; numpy fallback in indicator_arrays).", -1,
    methods,
};

PyMODINIT_FUNC
PyInit__kernels(void)
{
    return PyModule_Create(&module);
}
