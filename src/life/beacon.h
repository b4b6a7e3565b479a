/*
 * summary: periodicity (beacon) scoring of one connection series
 *
 * After RITA's published approach (Active Countermeasures, "RITA beacon
 * analysis"): a series of connection start times and sizes is regular when
 * the gaps between connections have little skew (Bowley's quartile skew)
 * and little spread (median absolute deviation relative to the median),
 * when the connections cover the span evenly (a histogram whose bins are
 * wider than the period, which tolerates jitter), and when the transfer
 * sizes are regular too. Each part is a score in [0,1]; the beacon score
 * is their weighted mean. Quartile-based statistics keep a few missed or
 * extra connections (gaps) from spoiling the score.
 */
#ifndef VIGIL_LIFE_BEACON_H
#define VIGIL_LIFE_BEACON_H

#include <stddef.h>
#include <stdint.h>

#define BEACON_MIN_CONNS 6 /* fewer connections cannot show a period */
#define BEACON_SURE_GAPS 10 /* gaps needed before a score is taken at its face value */

struct beacon_result {
    double score;       /* 0..1 */
    double period_s;    /* the median gap, seconds */
    double skew_score;  /* 1 - |Bowley skew| of the gaps */
    double madm_score;  /* 1 - MAD/median of the gaps */
    double hist_score;  /* share of period-wide bins holding a connection */
    double size_score;  /* regularity of the transfer sizes */
    double jitter;      /* MAD/median of the gaps */
    size_t n;           /* connections scored */
    double span_s;      /* first to last connection */
};

/*
 * Scores n connections with start times ts (microseconds, any order; the
 * array is sorted in place) and sizes (bytes; may be NULL). With fewer
 * than BEACON_MIN_CONNS connections the score is 0.
 */
void beacon_score(int64_t *ts, const uint32_t *sizes, size_t n, struct beacon_result *out);

/* The median of n doubles (the array is sorted in place); 0 for n == 0. */
double stat_median(double *v, size_t n);

#endif
