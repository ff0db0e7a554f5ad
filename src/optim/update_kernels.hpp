#pragma once
// Private: the elementwise update loops of the optimizers, compiled once per instruction set
// (update_kernels.cpp: SSE2, the x86-64 baseline; update_kernels_avx2.cpp; _avx512.cpp) and
// picked at run time by kernels::active_isa(). They take the per-step scalars precomputed by the
// optimizer, so the loops hold no divisions by double and no per-element branches.
//
// Every loop applies first the gradient transform and the decoupled decay:
//   g' = (g + l2 * theta) * grad_scale          (only when l2 != 0 or grad_scale != 1)
//   theta <- theta - decay * theta              (only when decay != 0; decay = lr * wd)
// The tail of a range runs through the same vector code on zero-padded copies, so an element's
// result does not depend on where a thread partition cuts the range.
#include <cstdint>

#include "inkstone/kernels/cpu.hpp"

namespace inkstone::optim_detail {

struct GradTransform {
  float l2 = 0;
  float scale = 1;
  bool active() const { return l2 != 0.0f || scale != 1.0f; }
};

struct AdamCoeffs {
  float beta_1 = 0, one_minus_beta_1 = 0, beta_2 = 0, one_minus_beta_2 = 0;
  float inv_bias_1 = 1, inv_bias_2 = 1;  // 1 / (1 - b1^t), 1 / (1 - b2^t)
  float lr = 0, epsilon = 0;
  float decay = 0;  // lr * weight_decay
  GradTransform grad;
};

struct SgdCoeffs {
  float lr = 0, momentum = 0;
  bool nesterov = false;
  float decay = 0;
  GradTransform grad;
};

struct RmsPropCoeffs {
  float rho = 0, one_minus_rho = 0, lr = 0, epsilon = 0, momentum = 0;
  float decay = 0;
  GradTransform grad;
};

struct UpdateKernels {
  void (*adam)(const AdamCoeffs& c, float* theta, float* m, float* v, const float* g, int64_t n);
  // velocity == nullptr: plain SGD (momentum ignored).
  void (*sgd)(const SgdCoeffs& c, float* theta, float* velocity, const float* g, int64_t n);
  // mg == nullptr: not centered; mom == nullptr: no momentum.
  void (*rmsprop)(const RmsPropCoeffs& c, float* theta, float* rms, float* mg, float* mom,
                  const float* g, int64_t n);
  // Sum over i of (g[i] + l2 * theta[i])^2 (theta may be null when l2 == 0), in double, in a
  // fixed order that does not depend on the instruction set (16 interleaved partial sums).
  double (*sum_squares)(const float* g, const float* theta, float l2, int64_t n);
  // g[i] *= s
  void (*scale)(float* g, int64_t n, float s);
};

// The one sum_squares every table uses (update_kernels.cpp, built without FMA).
double sum_squares_base(const float* g, const float* theta, float l2, int64_t n);

extern const UpdateKernels kUpdateKernelsBase;
extern const UpdateKernels kUpdateKernelsAvx2;
extern const UpdateKernels kUpdateKernelsAvx512;

// The table for kernels::active_isa().
const UpdateKernels& update_kernels();

}  // namespace inkstone::optim_detail
