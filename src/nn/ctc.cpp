#include "inkstone/nn/ctc.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "inkstone/tensor/error.hpp"

namespace inkstone {
namespace {

constexpr double kLogZero = -std::numeric_limits<double>::infinity();

// log(exp(a) + exp(b)), exact when either is log 0.
double log_add(double a, double b) {
  if (a == kLogZero) return b;
  if (b == kLogZero) return a;
  const double hi = std::max(a, b);
  return hi + std::log1p(std::exp(std::min(a, b) - hi));
}

void check_shape(const float* scores, int frames, int classes, int blank) {
  if (!scores) throw Error("ctc: no scores");
  if (frames < 1) throw Error("ctc: frames must be >= 1, got " + std::to_string(frames));
  if (classes < 2) throw Error("ctc: classes must be >= 2, got " + std::to_string(classes));
  if (blank < 0 || blank >= classes)
    throw Error("ctc: blank " + std::to_string(blank) + " is not a class of " +
                std::to_string(classes));
}

}  // namespace

double ctc_loss(const float* logits, int frames, int classes, const std::vector<int>& label,
                int blank, float* grad) {
  check_shape(logits, frames, classes, blank);
  int repeats = 0;
  for (size_t i = 0; i < label.size(); ++i) {
    if (label[i] < 0 || label[i] >= classes || label[i] == blank)
      throw Error("ctc: label symbol " + std::to_string(label[i]) + " is blank or not a class");
    if (i > 0 && label[i] == label[i - 1]) ++repeats;
  }
  const int L = static_cast<int>(label.size());
  if (L + repeats > frames)
    throw Error("ctc: a label of " + std::to_string(L) + " symbols (" + std::to_string(repeats) +
                " repeated) needs at least " + std::to_string(L + repeats) + " frames, got " +
                std::to_string(frames));
  const size_t T = static_cast<size_t>(frames), C = static_cast<size_t>(classes);
  // log y_t(k): a numerically stable log-softmax per frame.
  std::vector<double> logy(T * C);
  for (size_t t = 0; t < T; ++t) {
    const float* z = logits + t * C;
    double hi = z[0];
    for (size_t k = 0; k < C; ++k) {
      if (!std::isfinite(z[k])) throw Error("ctc: non-finite score in frame " + std::to_string(t));
      hi = std::max(hi, static_cast<double>(z[k]));
    }
    double sum = 0;
    for (size_t k = 0; k < C; ++k) sum += std::exp(z[k] - hi);
    const double lse = hi + std::log(sum);
    for (size_t k = 0; k < C; ++k) logy[t * C + k] = z[k] - lse;
  }
  // The extended label l': blank, l_1, blank, l_2, ..., blank.
  const size_t S = 2 * static_cast<size_t>(L) + 1;
  std::vector<int> ext(S, blank);
  for (size_t i = 0; i < static_cast<size_t>(L); ++i) ext[2 * i + 1] = label[i];
  // A path may skip the blank between s-2 and s when l'_s is a symbol unlike l'_{s-2}.
  auto can_skip = [&](size_t s) { return s >= 2 && ext[s] != blank && ext[s] != ext[s - 2]; };
  std::vector<double> alpha(T * S, kLogZero), beta(T * S, kLogZero);
  const auto ly = [&](size_t t, size_t s) { return logy[t * C + static_cast<size_t>(ext[s])]; };
  alpha[0] = ly(0, 0);
  if (S > 1) alpha[1] = ly(0, 1);
  for (size_t t = 1; t < T; ++t)
    for (size_t s = 0; s < S; ++s) {
      double a = alpha[(t - 1) * S + s];
      if (s >= 1) a = log_add(a, alpha[(t - 1) * S + s - 1]);
      if (can_skip(s)) a = log_add(a, alpha[(t - 1) * S + s - 2]);
      alpha[t * S + s] = a == kLogZero ? kLogZero : a + ly(t, s);
    }
  beta[(T - 1) * S + S - 1] = ly(T - 1, S - 1);
  if (S > 1) beta[(T - 1) * S + S - 2] = ly(T - 1, S - 2);
  for (size_t t = T - 1; t-- > 0;)
    for (size_t s = 0; s < S; ++s) {
      double b = beta[(t + 1) * S + s];
      if (s + 1 < S) b = log_add(b, beta[(t + 1) * S + s + 1]);
      if (s + 2 < S && can_skip(s + 2)) b = log_add(b, beta[(t + 1) * S + s + 2]);
      beta[t * S + s] = b == kLogZero ? kLogZero : b + ly(t, s);
    }
  double logp = alpha[(T - 1) * S + S - 1];
  if (S > 1) logp = log_add(logp, alpha[(T - 1) * S + S - 2]);
  if (grad) {
    // sum over s with l'_s = k of alpha_t(s) beta_t(s) / y_t(k), in log space, per frame.
    std::vector<double> through(C);
    for (size_t t = 0; t < T; ++t) {
      std::fill(through.begin(), through.end(), kLogZero);
      for (size_t s = 0; s < S; ++s) {
        const double ab = alpha[t * S + s] + beta[t * S + s];
        if (ab == kLogZero || std::isnan(ab)) continue;
        const size_t k = static_cast<size_t>(ext[s]);
        through[k] = log_add(through[k], ab - ly(t, s));
      }
      for (size_t k = 0; k < C; ++k) {
        const double occupancy = through[k] == kLogZero ? 0.0 : std::exp(through[k] - logp);
        grad[t * C + k] = static_cast<float>(std::exp(logy[t * C + k]) - occupancy);
      }
    }
  }
  return -logp;
}

std::vector<int> ctc_greedy_decode(const float* scores, int frames, int classes, int blank) {
  check_shape(scores, frames, classes, blank);
  std::vector<int> out;
  int previous = blank;
  for (int t = 0; t < frames; ++t) {
    const float* row = scores + static_cast<size_t>(t) * static_cast<size_t>(classes);
    const int best = static_cast<int>(std::max_element(row, row + classes) - row);
    if (best != blank && best != previous) out.push_back(best);
    previous = best;
  }
  return out;
}

}  // namespace inkstone
