#pragma once
// Private: the table of activation kernels one instruction set provides. activations.cpp holds
// the scalar table and picks a table per call from active_isa(); activations_avx2.cpp and
// activations_avx512.cpp each define theirs. This header holds declarations only (no inline
// code), so it is safe to include from files compiled with different -m flags.
#include <cstdint>

namespace inkstone::kernels {

// Every kernel works on the whole range it is given; the caller splits big work over threads.
struct ActivationKernels {
  void (*relu_forward)(int64_t n, const float* x, float* y);
  void (*relu_backward)(int64_t n, const float* y, const float* dy, float* dx);
  void (*leaky_relu_forward)(int64_t n, float alpha, const float* x, float* y);
  void (*leaky_relu_backward)(int64_t n, float alpha, const float* x, const float* dy, float* dx);
  void (*sigmoid_forward)(int64_t n, const float* x, float* y);
  void (*sigmoid_backward)(int64_t n, const float* y, const float* dy, float* dx);
  void (*tanh_forward)(int64_t n, const float* x, float* y);
  void (*tanh_backward)(int64_t n, const float* y, const float* dy, float* dx);
  void (*exp_forward)(int64_t n, const float* x, float* y);
  // y[r, c] += bias[c]
  void (*add_bias_cols)(int64_t rows, int64_t cols, const float* bias, float* y);
  // db[c] += sum_r dy[r * ld + c] for c in [0, cols): rows summed in order, from 0, in float.
  void (*sum_rows)(int64_t rows, int64_t cols, int64_t ld, const float* dy, float* db);
  void (*softmax_rows)(int64_t rows, int64_t cols, const float* x, float* y);
  void (*softmax_backward_rows)(int64_t rows, int64_t cols, const float* y, const float* dy,
                                float* dx);
  void (*logsumexp_rows)(int64_t rows, int64_t cols, const float* x, float* lse);
};

extern const ActivationKernels kActivationsAvx2;
extern const ActivationKernels kActivationsAvx512;

}  // namespace inkstone::kernels
