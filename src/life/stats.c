/*
 * summary: incomplete beta by Lentz's continued fraction; negative-binomial tails
 */
#include "life/stats.h"

#include <math.h>

/* Continued fraction for I_x(a, b) (Numerical Recipes, 3rd ed., section 6.4). */
static double betacf(double a, double b, double x)
{
    const double tiny = 1e-300, eps = 1e-14;
    double qab = a + b, qap = a + 1, qam = a - 1;
    double c = 1, d = 1 - qab * x / qap;
    if (fabs(d) < tiny)
        d = tiny;
    d = 1 / d;
    double h = d;
    for (int m = 1; m <= 1000; m++) {
        int m2 = 2 * m;
        double aa = m * (b - m) * x / ((qam + m2) * (a + m2));
        d = 1 + aa * d;
        if (fabs(d) < tiny)
            d = tiny;
        c = 1 + aa / c;
        if (fabs(c) < tiny)
            c = tiny;
        d = 1 / d;
        h *= d * c;
        aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2));
        d = 1 + aa * d;
        if (fabs(d) < tiny)
            d = tiny;
        c = 1 + aa / c;
        if (fabs(c) < tiny)
            c = tiny;
        d = 1 / d;
        double del = d * c;
        h *= del;
        if (fabs(del - 1) < eps)
            break;
    }
    return h;
}

double stat_ibeta(double a, double b, double x)
{
    if (x <= 0)
        return 0;
    if (x >= 1)
        return 1;
    double lbt = lgamma(a + b) - lgamma(a) - lgamma(b) + a * log(x) + b * log1p(-x);
    double bt = exp(lbt);
    if (x < (a + 1) / (a + b + 2))
        return bt * betacf(a, b, x) / a;
    return 1 - bt * betacf(b, a, 1 - x) / b;
}

double stat_negbin_upper(double c, double r, double p)
{
    if (c <= 0)
        return 1;
    if (r <= 0)
        return 0;
    /* P(X >= c) = 1 - P(X <= c - 1) = 1 - I_p(r, c) = I_{1-p}(c, r) */
    return stat_ibeta(c, r, 1 - p);
}

double stat_gamma_poisson_upper(double c, double a, double b)
{
    if (a <= 0 || b <= 0)
        return c <= 0 ? 1 : 0;
    return stat_negbin_upper(c, a, b / (b + 1));
}
