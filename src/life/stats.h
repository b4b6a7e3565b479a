/*
 * summary: count baselines: Gamma-Poisson posteriors and negative-binomial tail probabilities
 *
 * A device's hourly count of something (connections, failed connections,
 * distinct SMB peers, …) is modelled as Poisson with an unknown rate; the
 * conjugate Gamma prior makes the posterior after n hours summing to S a
 * Gamma(a0 + S, b0 + n), and the predictive distribution of the next hour
 * a negative binomial (Gelman et al., Bayesian Data Analysis, 3rd ed.,
 * section 2.6). How surprising an hour with c events is, is the upper tail
 * P(X >= c), computed exactly through the regularised incomplete beta
 * function: P(X >= c) = I_{1-p}(c, r) with r = a, p = b / (b + 1).
 */
#ifndef VIGIL_LIFE_STATS_H
#define VIGIL_LIFE_STATS_H

/* Regularised incomplete beta I_x(a, b), a, b > 0, x in [0, 1]. */
double stat_ibeta(double a, double b, double x);

/* P(X >= c) for X ~ NegBin(r, p) (number of failures before the r-th success). */
double stat_negbin_upper(double c, double r, double p);

/*
 * Upper tail probability of observing c in the next period, given a Gamma
 * posterior with shape a and rate b over the per-period rate.
 */
double stat_gamma_poisson_upper(double c, double a, double b);

#endif
