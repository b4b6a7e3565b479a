/*
 * summary: RITA-style beacon score: Bowley skew, MAD/median, histogram coverage, size regularity
 *
 * The score is a weighted geometric mean of the timing parts times a size
 * factor: madm^0.7 * hist^0.3 * (0.8 + 0.2 * size). A timer must be both
 * tight (MAD small against the median gap) and cover its span (no long
 * silences between bursts); regular sizes only raise a score that the
 * timing earned, since many irregular services send fixed-size requests.
 * The Bowley skew is computed and reported but not scored: exponential
 * (Poisson) gaps have a quartile skew of only 0.26, so it barely separates
 * random from periodic, while a quarter of missed beats swings it to 1.
 * Measured on synthetic series (tests/life, docs/pattern-of-life.md).
 */
#include "life/beacon.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define BEACON_MAX 1024   /* series longer than this are scored on their last BEACON_MAX points */
#define BEACON_SILENCE 10 /* a gap this many median gaps (and over an hour) long ends a run */

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

static int cmp_dbl(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/*
 * Series are short (LIFE_SERIES_LEN points) and their gaps nearly ordered,
 * where insertion sort beats qsort's merge sort and its indirect compares;
 * long series (the report's) go to qsort.
 */
#define SMALL_SORT 64
#define STACK_POINTS 64 /* series up to this long are scored without malloc */

static void sort_dbl(double *v, size_t n)
{
    if (n > SMALL_SORT) {
        qsort(v, n, sizeof(double), cmp_dbl);
        return;
    }
    for (size_t i = 1; i < n; i++) {
        double x = v[i];
        size_t j = i;
        for (; j > 0 && v[j - 1] > x; j--)
            v[j] = v[j - 1];
        v[j] = x;
    }
}

static void sort_i64(int64_t *v, size_t n)
{
    if (n > SMALL_SORT) {
        qsort(v, n, sizeof(int64_t), cmp_i64);
        return;
    }
    for (size_t i = 1; i < n; i++) {
        int64_t x = v[i];
        size_t j = i;
        for (; j > 0 && v[j - 1] > x; j--)
            v[j] = v[j - 1];
        v[j] = x;
    }
}

/* Quantile q of a sorted array, by linear interpolation between order statistics. */
static double quantile(const double *s, size_t n, double q)
{
    if (n == 0)
        return 0;
    double pos = q * (double)(n - 1);
    size_t i = (size_t)pos;
    double frac = pos - (double)i;
    if (i + 1 >= n)
        return s[n - 1];
    return s[i] + (s[i + 1] - s[i]) * frac;
}

double stat_median(double *v, size_t n)
{
    if (n == 0)
        return 0;
    sort_dbl(v, n);
    return quantile(v, n, 0.5);
}

static double clamp01(double x)
{
    return x < 0 ? 0 : x > 1 ? 1 : x;
}

/*
 * The median absolute deviation from m (the median) of a sorted sample, as
 * stat_median() of the deviations would give it. The deviations below m and
 * those above it each grow away from m, so merging the two runs outwards
 * from m yields them in order: no copy and no sort.
 */
static double sorted_mad(const double *v, size_t n, double m)
{
    if (n == 0)
        return 0;
    size_t hi = 0;
    while (hi < n && v[hi] < m)
        hi++;
    size_t lo = hi; /* below m: v[lo - 1], v[lo - 2], ... */
    double pos = 0.5 * (double)(n - 1);
    size_t want = (size_t)pos;
    double frac = pos - (double)want, at = 0, next = 0;
    for (size_t k = 0; k < n && k <= want + 1; k++) {
        double d;
        if (lo > 0 && (hi >= n || m - v[lo - 1] <= v[hi] - m))
            d = m - v[--lo];
        else
            d = v[hi++] - m;
        if (k == want)
            at = d;
        else
            next = d;
    }
    return want + 1 >= n ? at : at + (next - at) * frac;
}

/*
 * Skew and dispersion scores of a sample (sorted in place). Bowley skew
 * (Q3 + Q1 - 2 Q2) / (Q3 - Q1) lies in [-1, 1]; a perfectly regular
 * sample has Q1 = Q3, which we score as no skew.
 */
static void regularity(double *v, size_t n, double *skew_score, double *madm, double *median)
{
    sort_dbl(v, n);
    double q1 = quantile(v, n, 0.25), q2 = quantile(v, n, 0.5), q3 = quantile(v, n, 0.75);
    double iqr = q3 - q1;
    double skew = iqr > 1e-9 * (fabs(q2) + 1) ? (q3 + q1 - 2 * q2) / iqr : 0;
    *skew_score = clamp01(1 - fabs(skew));
    double mad = sorted_mad(v, n, q2);
    *median = q2;
    *madm = q2 > 0 ? mad / q2 : (mad > 0 ? 1 : 0);
}

void beacon_score(int64_t *ts, const uint32_t *sizes, size_t n, struct beacon_result *out)
{
    memset(out, 0, sizeof(*out));
    out->n = n;
    if (n < BEACON_MIN_CONNS)
        return;
    size_t skip = n > BEACON_MAX ? n - BEACON_MAX : 0;
    /* sizes follow their timestamps: sort index pairs by time */
    size_t m = n - skip;
    /*
     * Scratch: times, gaps, a sorted copy of the gaps, sizes. On the stack for
     * the pattern of life's series (LIFE_SERIES_LEN points), on the heap for
     * the longer ones the report scores.
     */
    int64_t t_stack[STACK_POINTS];
    double d_stack[3 * STACK_POINTS];
    int64_t *t = t_stack;
    double *d = d_stack;
    if (m > STACK_POINTS) {
        t = malloc(m * sizeof(int64_t));
        d = malloc(3 * m * sizeof(double));
        if (!t || !d) {
            free(t);
            free(d);
            return;
        }
    }
    double *gaps = d, *cp = d + m, *sz = sizes ? d + 2 * m : NULL;
    /* ts may be unsorted; sizes are only used as a distribution, so order does not matter */
    sort_i64(ts, n);
    memcpy(t, ts + skip, m * sizeof(int64_t));
    for (size_t i = 0; i + 1 < m; i++)
        gaps[i] = (double)(t[i + 1] - t[i]) / 1e6;
    /*
     * The current run: the points after the last silence (longer than
     * BEACON_SILENCE median gaps and than an hour), when they are enough to
     * score. Older points (the endpoint used days before the timer started)
     * would otherwise leave the span uncovered and hide the timer; the hour
     * keeps the pauses inside one session of bursty traffic from splitting it.
     */
    {
        memcpy(cp, gaps, (m - 1) * sizeof(double));
        double med0 = stat_median(cp, m - 1);
        size_t start = 0;
        double silence = BEACON_SILENCE * med0 > 3600 ? BEACON_SILENCE * med0 : 3600;
        for (size_t i = 0; i + 1 < m; i++)
            if (gaps[i] > silence)
                start = i + 1;
        if (start && m - start >= BEACON_MIN_CONNS) {
            m -= start;
            memmove(t, t + start, m * sizeof(int64_t));
            for (size_t i = 0; i + 1 < m; i++)
                gaps[i] = (double)(t[i + 1] - t[i]) / 1e6;
        } else {
            /* the same gaps, sorted already: regularity() below then sorts in one pass */
            memcpy(gaps, cp, (m - 1) * sizeof(double));
        }
    }
    double span = (double)(t[m - 1] - t[0]) / 1e6;
    out->span_s = span;

    double med;
    regularity(gaps, m - 1, &out->skew_score, &out->jitter, &med);
    out->madm_score = clamp01(1 - out->jitter);
    /*
     * The period: the span over the beats it holds, each gap counting as
     * round(gap / median) beats. A missed beat leaves a gap of two periods
     * (counted as 2) and an extra connection splits one (counted as 0 + 1),
     * so neither biases it as they bias the median gap; and a mean of the
     * intervals is far less noisy than their median on a short series.
     */
    double beats = 0;
    for (size_t i = 0; i + 1 < m; i++)
        beats += med > 0 ? floor(gaps[i] / med + 0.5) : 0;
    out->period_s = beats > 0 ? span / beats : med;

    /* coverage: bins 1.5 periods wide over the span; a beacon fills them all */
    if (med > 0 && span > 0) {
        double width = med * 1.5;
        size_t bins = (size_t)(span / width) + 1;
        if (bins > 4096)
            bins = 4096, width = span / 4095.0;
        /* t is in order, so are the bins it falls in: count the changes */
        size_t filled = 0, last = SIZE_MAX;
        for (size_t i = 0; i < m; i++) {
            size_t b = (size_t)((double)(t[i] - t[0]) / 1e6 / width);
            if (b >= bins)
                b = bins - 1;
            if (b != last) {
                last = b;
                filled++;
            }
        }
        out->hist_score = (double)filled / (double)bins;
    }

    /* sizes: regular payloads score high (a beacon sends the same request each time) */
    if (sz) {
        /* all the sizes: they are not in time order (ts was sorted alone) */
        for (size_t i = 0; i < n - skip; i++)
            sz[i] = (double)sizes[skip + i];
        double sskew, smadm, smed;
        regularity(sz, n - skip, &sskew, &smadm, &smed);
        out->size_score = clamp01(0.5 * sskew + 0.5 * (1 - clamp01(smadm)));
    } else {
        out->size_score = 0.5;
    }
    if (t != t_stack) {
        free(t);
        free(d);
    }

    /* dispersion of the gaps is the strongest single sign of a timer (see the top of the file) */
    out->score =
        pow(out->madm_score, 0.7) * pow(out->hist_score, 0.3) * (0.8 + 0.2 * out->size_score);
    /*
     * Few gaps can look regular by chance: five random (exponential) gaps
     * have a MAD under a fifth of their median about one time in ten. The
     * score is shrunk until BEACON_SURE_GAPS gaps back it, and n is the
     * number of connections actually scored (the current run).
     */
    out->n = m;
    if (m - 1 < BEACON_SURE_GAPS)
        out->score *= sqrt((double)(m - 1) / BEACON_SURE_GAPS);
    if (med <= 0)
        out->score = 0; /* bursts within one timestamp are not a period */
}
