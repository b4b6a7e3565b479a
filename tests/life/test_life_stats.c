/*
 * summary: tests for life/stats.c: incomplete beta and negative-binomial tails against closed forms
 *
 * Every expected value is computed here independently of the continued
 * fraction under test: identities of the regularised incomplete beta
 * (I_x(1,1) = x, I_x(a,1) = x^a, I_x(1,b) = 1 - (1-x)^b, symmetry), its
 * binomial-sum form for integer a and b, the geometric tail of NB with
 * r = 1 (P(X >= c) = (1-p)^c), explicit NB pmf sums, and the Poisson
 * limit of the Gamma-Poisson predictive as the Gamma's rate grows.
 */
#include <math.h>

#include "life/stats.h"
#include "test.h"

static int close_rel(double got, double want, double rel)
{
    if (want == 0)
        return fabs(got) < 1e-300;
    return fabs(got - want) <= rel * fabs(want);
}

#define CHECK_REL(got, want, rel)                                                                  \
    do {                                                                                           \
        double g_ = (got), w_ = (want);                                                            \
        if (close_rel(g_, w_, (rel))) {                                                            \
            t_pass++;                                                                              \
        } else {                                                                                   \
            t_fail++;                                                                              \
            fprintf(stderr, "%s:%d: %s = %.17g, want %.17g\n", __FILE__, __LINE__, #got, g_, w_);  \
        }                                                                                          \
    } while (0)

/* log C(n, k) */
static double lchoose(double n, double k)
{
    return lgamma(n + 1) - lgamma(k + 1) - lgamma(n - k + 1);
}

/* I_x(a, b) for integer a, b: P(Binomial(a + b - 1, x) >= a), summed term by term. */
static double ibeta_binomial(int a, int b, double x)
{
    int n = a + b - 1;
    double s = 0;
    for (int j = a; j <= n; j++)
        s += exp(lchoose(n, j) + j * log(x) + (n - j) * log1p(-x));
    return s;
}

/* P(X >= c) for X ~ NB(r, p) with integer r: the pmf summed from c up (no cancellation). */
static double negbin_upper_sum(int c, int r, double p)
{
    double s = 0;
    for (int k = c; k < c + 100000; k++) {
        double t = exp(lchoose(k + r - 1, k) + r * log(p) + k * log1p(-p));
        s += t;
        if ((double)k > (double)r * (1 - p) / p && t < s * 1e-18)
            break;
    }
    return s;
}

/* P(X >= c) for X ~ Poisson(lambda), as the sum of the upper terms (no cancellation). */
static double poisson_upper(int c, double lambda)
{
    double s = 0;
    for (int k = c; k < c + 2000; k++) {
        double t = exp(-lambda + k * log(lambda) - lgamma(k + 1.0));
        s += t;
        if (k > lambda && t < s * 1e-18)
            break;
    }
    return s;
}

static void test_ibeta_identities(void)
{
    static const double xs[] = {1e-6, 0.01, 0.2, 0.37, 0.5, 0.73, 0.9, 0.999};
    for (size_t i = 0; i < sizeof(xs) / sizeof(xs[0]); i++) {
        double x = xs[i];
        CHECK_REL(stat_ibeta(1, 1, x), x, 1e-12);
        static const double as[] = {0.5, 2, 7.3, 50};
        for (size_t j = 0; j < sizeof(as) / sizeof(as[0]); j++) {
            CHECK_REL(stat_ibeta(as[j], 1, x), pow(x, as[j]), 1e-10);
            CHECK_REL(stat_ibeta(1, as[j], x), -expm1(as[j] * log1p(-x)), 1e-10);
        }
        CHECK_REL(stat_ibeta(2, 2, x), x * x * (3 - 2 * x), 1e-11);
        /* symmetry: I_x(a, b) = 1 - I_{1-x}(b, a) */
        CHECK_REL(stat_ibeta(2.5, 3.7, x) + stat_ibeta(3.7, 2.5, 1 - x), 1.0, 1e-12);
    }
    CHECK(stat_ibeta(3, 4, 0) == 0);
    CHECK(stat_ibeta(3, 4, 1) == 1);
    CHECK(stat_ibeta(3, 4, -0.5) == 0);
    CHECK(stat_ibeta(3, 4, 1.5) == 1);
}

static void test_ibeta_binomial(void)
{
    static const struct {
        int a, b;
        double x;
    } cases[] = {{5, 8, 0.37},  {30, 12, 0.7},   {1, 40, 0.02},  {12, 3, 0.95},
                 {97, 13, 0.2}, {200, 200, 0.5}, {3, 300, 0.001}};
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        double want = ibeta_binomial(cases[i].a, cases[i].b, cases[i].x);
        CHECK_REL(stat_ibeta(cases[i].a, cases[i].b, cases[i].x), want, 1e-9);
    }
}

static void test_negbin(void)
{
    /* r = 1: geometric, P(X >= c) = (1-p)^c */
    static const double ps[] = {0.05, 0.5, 6.0 / 7.0, 0.99};
    for (size_t i = 0; i < sizeof(ps) / sizeof(ps[0]); i++)
        for (int c = 1; c <= 60; c += 7)
            CHECK_REL(stat_negbin_upper(c, 1, ps[i]), pow(1 - ps[i], c), 1e-9);
    /* deep tail of the geometric: 2^-200, still relative accuracy */
    CHECK_REL(stat_negbin_upper(200, 1, 0.5), ldexp(1, -200), 1e-8);
    /* integer r: explicit pmf sums */
    CHECK_REL(stat_negbin_upper(5, 3, 0.4), negbin_upper_sum(5, 3, 0.4), 1e-10);
    CHECK_REL(stat_negbin_upper(20, 12, 6.0 / 7.0), negbin_upper_sum(20, 12, 6.0 / 7.0), 1e-9);
    CHECK_REL(stat_negbin_upper(97, 540, 6.0 / 7.0), negbin_upper_sum(97, 540, 6.0 / 7.0), 1e-8);
    /* conventions */
    CHECK(stat_negbin_upper(0, 3, 0.4) == 1);
    CHECK(stat_negbin_upper(-2, 3, 0.4) == 1);
    CHECK(stat_negbin_upper(4, 0, 0.4) == 0);
    /* a tail decreases with c */
    double prev = 1.0;
    int mono = 1;
    for (int c = 1; c < 300; c++) {
        double v = stat_negbin_upper(c, 12.1, 6.0 / 7.0);
        if (!(v <= prev))
            mono = 0;
        prev = v;
    }
    CHECK(mono);
}

static void test_gamma_poisson(void)
{
    /* the predictive is NB(a, b / (b + 1)) */
    CHECK_REL(stat_gamma_poisson_upper(7, 12.1, 6), stat_negbin_upper(7, 12.1, 6.0 / 7.0), 1e-15);
    /* Poisson limit: Gamma(lambda * b, b) shrinks onto lambda as b grows */
    static const struct {
        int c;
        double lambda;
    } cases[] = {{5, 2}, {1, 0.3}, {97, 90}, {12, 2}, {30, 10}};
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        double b = 1e7, lam = cases[i].lambda;
        double want = poisson_upper(cases[i].c, lam);
        CHECK_REL(stat_gamma_poisson_upper(cases[i].c, lam * b, b), want, 1e-4);
    }
    /* a known value: P(Poisson(2) >= 5) = 1 - 7 e^-2 = 0.052653017343711... */
    CHECK_REL(stat_gamma_poisson_upper(5, 2e7, 1e7), 1 - 7 * exp(-2.0), 1e-5);
    /* degenerate priors */
    CHECK(stat_gamma_poisson_upper(3, 0, 1) == 0);
    CHECK(stat_gamma_poisson_upper(0, 0, 1) == 1);
}

int main(void)
{
    test_ibeta_identities();
    test_ibeta_binomial();
    test_negbin();
    test_gamma_poisson();
    return test_done();
}
