// Pearson's chi-squared goodness-of-fit test for the randomised strategies' tests, at
// alpha = 1e-6 as grpc-go's tests use (internal/testutils/roundrobin/roundrobin.go in
// https://github.com/grpc/grpc-go): a correct strategy fails it once
// in a million runs, and with seeded random sources never.
#pragma once

#include <cmath>
#include <map>
#include <string>
#include <vector>

namespace llmroute::testing {

constexpr double kChiSquaredAlpha = 1e-6;

// The regularised upper incomplete gamma function Q(a, x) (Numerical Recipes' gammq).
inline double UpperIncompleteGammaQ(double a, double x) {
  if (x <= 0) return 1.0;
  const double log_prefix = -x + a * std::log(x) - std::lgamma(a);
  if (x < a + 1) {
    // Series for P(a, x); Q = 1 - P.
    double term = 1.0 / a, sum = term;
    for (int n = 1; n < 1000; ++n) {
      term *= x / (a + n);
      sum += term;
      if (std::abs(term) < std::abs(sum) * 1e-15) break;
    }
    return 1.0 - sum * std::exp(log_prefix);
  }
  // Continued fraction for Q (modified Lentz).
  const double tiny = 1e-300;
  double b = x + 1 - a, c = 1 / tiny, d = 1 / b, h = d;
  for (int i = 1; i < 1000; ++i) {
    const double an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (std::abs(d) < tiny) d = tiny;
    c = b + an / c;
    if (std::abs(c) < tiny) c = tiny;
    d = 1 / d;
    const double delta = d * c;
    h *= delta;
    if (std::abs(delta - 1) < 1e-15) break;
  }
  return std::exp(log_prefix) * h;
}

// P(X >= chi) for X chi-squared with `dof` degrees of freedom.
inline double ChiSquaredPValue(double chi, int dof) {
  return UpperIncompleteGammaQ(dof / 2.0, chi / 2.0);
}

// Pearson's statistic of `observed` counts against `expected` probabilities (which sum to 1;
// categories with probability 0 must have count 0 and are left out of the degrees of freedom).
// Returns the p-value; categories are matched by name.
inline double ChiSquaredFit(const std::map<std::string, int> &observed,
                            const std::map<std::string, double> &expected) {
  int total = 0;
  for (const auto &[name, count] : observed) total += count;
  double chi = 0;
  int categories = 0;
  for (const auto &[name, probability] : expected) {
    const auto it = observed.find(name);
    const double seen = it == observed.end() ? 0 : it->second;
    if (probability <= 0) {
      if (seen > 0) return 0.0;  // impossible outcome observed
      continue;
    }
    const double want = probability * total;
    chi += (seen - want) * (seen - want) / want;
    ++categories;
  }
  for (const auto &[name, count] : observed) {
    if (expected.find(name) == expected.end() && count > 0) return 0.0;  // unexpected category
  }
  return categories <= 1 ? 1.0 : ChiSquaredPValue(chi, categories - 1);
}

}  // namespace llmroute::testing
