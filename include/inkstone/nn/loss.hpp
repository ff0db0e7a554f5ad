#pragma once
// Losses: value and gradient over a batch, averaged over the batch.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "inkstone/tensor/tensor.hpp"

namespace inkstone {

// Targets of a batch: integer class labels (one per row) or a dense target tensor (one-hot rows
// for classification, values for regression). Exactly one is set.
struct Targets {
  const int32_t* labels = nullptr;
  const Tensor* dense = nullptr;
};

class Loss {
 public:
  virtual ~Loss() = default;
  virtual std::string name() const = 0;
  // True when the loss expects logits and applies softmax itself (the model then asks its last
  // layer to emit logits, see Layer::set_emit_logits).
  virtual bool fuses_softmax() const { return false; }
  // Returns the mean loss over the batch and writes dL/d(output) into grad (same shape as out).
  virtual float forward_backward(const Tensor& out, const Targets& t, Tensor& grad) = 0;
  // Mean loss only.
  virtual float value(const Tensor& out, const Targets& t) = 0;
};

// Categorical cross-entropy fused with softmax, on logits z (rows = batch):
//   L = -(1/N) sum_i sum_j y_ij log p_ij,  log p_ij = z_ij - logsumexp_j(z_i)
//   dL/dz_ij = (p_ij - y_ij) / N
// (for dense targets whose rows do not sum to 1 the exact (p_ij sum_k y_ik - y_ij) / N is used).
// Stable for any finite logits. Labels outside [0, classes) and targets whose shape differs
// from the output throw Error. Outputs of rank > 2 are read as [N, numel / N].
std::unique_ptr<Loss> make_softmax_cross_entropy();

// Options of the cross-entropy for integer labels (dense targets with options set throw Error):
//   label_smoothing eps in [0, 1): targets (1 - eps) one_hot + eps / K;
//   class_weights (K values >= 0, or empty): the loss of a sample of class c is multiplied by
//   w_c in training (forward_backward), as Keras's class_weight; value() ignores them.
// See SoftmaxCrossEntropy::compute_smoothed_weighted in src/nn/loss.cpp for the formulas.
struct CrossEntropyOptions {
  float label_smoothing = 0;
  std::vector<float> class_weights;
};
std::unique_ptr<Loss> make_softmax_cross_entropy(const CrossEntropyOptions& options);
// Mean squared error: L = (1/(N*D)) sum (out - y)^2, dL/dout = 2 (out - y) / (N*D). With integer
// labels, y is the one-hot row.
std::unique_ptr<Loss> make_mean_squared_error();
// "categorical_crossentropy" (also "sparse_categorical_crossentropy", "cross_entropy") or "mse".
std::unique_ptr<Loss> make_loss(const std::string& name);

}  // namespace inkstone
