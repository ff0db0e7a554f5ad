// Losses: softmax cross-entropy (fused, on logits) and mean squared error.
#include "inkstone/nn/loss.hpp"

#include <cmath>
#include <string>
#include <utility>

#include "inkstone/kernels/activations.hpp"
#include "inkstone/tensor/error.hpp"

namespace inkstone {

namespace {

// The output is read as a rows x cols matrix: rows = batch, cols = everything else.
struct Matrix {
  int64_t rows;
  int64_t cols;
};

Matrix output_matrix(const char* loss, const Tensor& out) {
  if (out.rank() < 2 || out.dim(0) < 1 || out.numel() == 0) {
    throw Error(std::string(loss) + ": the output must be a non-empty batch [N, classes], got " +
                out.shape().str());
  }
  return {out.dim(0), out.numel() / out.dim(0)};
}

// Exactly one of labels / dense is set, and dense matches the output.
void check_targets(const char* loss, const Tensor& out, const Targets& t) {
  if ((t.labels == nullptr) == (t.dense == nullptr)) {
    throw Error(std::string(loss) +
                ": exactly one of integer labels and dense targets must be given");
  }
  if (t.dense != nullptr &&
      (t.dense->numel() != out.numel() || t.dense->rank() < 1 || t.dense->dim(0) != out.dim(0))) {
    throw Error(std::string(loss) + ": targets of shape " + t.dense->shape().str() +
                " do not match the output of shape " + out.shape().str());
  }
}

void check_label(const char* loss, int64_t row, int32_t label, int64_t classes) {
  if (label < 0 || label >= classes) {
    throw Error(std::string(loss) + ": label " + std::to_string(label) + " of row " +
                std::to_string(row) + " is outside [0, " + std::to_string(classes) + ")");
  }
}

class SoftmaxCrossEntropy final : public Loss {
 public:
  explicit SoftmaxCrossEntropy(CrossEntropyOptions o = {}) : o_(std::move(o)) {
    if (!(o_.label_smoothing >= 0 && o_.label_smoothing < 1)) {
      throw Error("label smoothing must be in [0, 1), got " + std::to_string(o_.label_smoothing));
    }
    for (float w : o_.class_weights) {
      if (!(w >= 0) || !std::isfinite(w)) {
        throw Error("class weights must be finite and >= 0, got " + std::to_string(w));
      }
    }
  }
  std::string name() const override { return "categorical_crossentropy"; }
  bool fuses_softmax() const override { return true; }

  // log p_ij = z_ij - lse_i, so L_i = sum_j y_ij (lse_i - z_ij); with a label c: L_i = lse_i -
  // z_ic. dL/dz_ij = (p_ij * s_i - y_ij) / N with s_i = sum_j y_ij, i.e. (p_ij - y_ij) / N for
  // one-hot (or any normalized) targets.
  float forward_backward(const Tensor& out, const Targets& t, Tensor& grad) override {
    const double loss = compute(out, t, &grad);
    return static_cast<float>(loss);
  }

  float value(const Tensor& out, const Targets& t) override {
    return static_cast<float>(compute(out, t, nullptr));
  }

 private:
  double compute(const Tensor& out, const Targets& t, Tensor* grad) {
    const char* kName = "categorical_crossentropy";
    const Matrix m = output_matrix(kName, out);
    check_targets(kName, out, t);
    if (t.labels != nullptr) {
      for (int64_t i = 0; i < m.rows; ++i) check_label(kName, i, t.labels[i], m.cols);
    }
    const bool plain = o_.label_smoothing == 0 && o_.class_weights.empty();
    if (!plain) {
      if (t.labels == nullptr) {
        throw Error(std::string(kName) + ": label smoothing and class weights need integer labels");
      }
      if (!o_.class_weights.empty() && static_cast<int64_t>(o_.class_weights.size()) != m.cols) {
        throw Error(std::string(kName) + ": " + std::to_string(o_.class_weights.size()) +
                    " class weights for " + std::to_string(m.cols) + " classes");
      }
      return compute_smoothed_weighted(m, out, t.labels, grad);
    }
    // (Shape's constructor allocates: build one only when the batch size changes.)
    if (lse_.rank() != 1 || lse_.dim(0) != m.rows) lse_.resize(Shape{m.rows});
    kernels::logsumexp_rows(m.rows, m.cols, out.data(), lse_.data());
    const float* z = out.data();
    double total = 0;
    if (t.labels != nullptr) {
      for (int64_t i = 0; i < m.rows; ++i) {
        total += static_cast<double>(lse_[i]) - static_cast<double>(z[i * m.cols + t.labels[i]]);
      }
    } else {
      const float* y = t.dense->data();
      for (int64_t i = 0; i < m.rows; ++i) {
        double row = 0;
        for (int64_t j = 0; j < m.cols; ++j) {
          const double yij = y[i * m.cols + j];
          // Skip zero targets so that a -inf logit with y = 0 contributes 0, not 0 * inf.
          if (yij != 0) row += yij * (static_cast<double>(lse_[i]) - z[i * m.cols + j]);
        }
        total += row;
      }
    }
    const double inv_n = 1.0 / static_cast<double>(m.rows);
    if (grad != nullptr) {
      grad->resize(out.shape());
      float* g = grad->data();
      kernels::softmax_rows(m.rows, m.cols, z, g);
      const float scale = static_cast<float>(inv_n);
      if (t.labels != nullptr) {
        for (int64_t i = 0; i < m.rows; ++i) g[i * m.cols + t.labels[i]] -= 1.0f;
        for (int64_t k = 0; k < out.numel(); ++k) g[k] *= scale;
      } else {
        const float* y = t.dense->data();
        for (int64_t i = 0; i < m.rows; ++i) {
          float s = 0;
          for (int64_t j = 0; j < m.cols; ++j) s += y[i * m.cols + j];
          for (int64_t j = 0; j < m.cols; ++j) {
            const int64_t k = i * m.cols + j;
            g[k] = (g[k] * s - y[k]) * scale;
          }
        }
      }
    }
    return total * inv_n;
  }

  // Label smoothing eps and class weights w (Szegedy et al. 2016; Keras's class_weight):
  //   y_ij = (1 - eps) [j = c_i] + eps / K
  //   L = (1/N) sum_i w_{c_i} sum_j y_ij (lse_i - z_ij)
  //     = (1/N) sum_i w_{c_i} ((1 - eps)(lse_i - z_ic) + eps (lse_i - mean_j z_ij))
  //   dL/dz_ij = w_{c_i} (p_ij - y_ij) / N
  // Class weights apply to training only (forward_backward), as Keras's class_weight does;
  // value() is the smoothed, unweighted loss.
  double compute_smoothed_weighted(const Matrix& m, const Tensor& out, const int32_t* labels,
                                   Tensor* grad) {
    if (lse_.rank() != 1 || lse_.dim(0) != m.rows) lse_.resize(Shape{m.rows});
    kernels::logsumexp_rows(m.rows, m.cols, out.data(), lse_.data());
    const float* z = out.data();
    const double eps = o_.label_smoothing;
    const bool weighted = grad != nullptr && !o_.class_weights.empty();
    double total = 0;
    for (int64_t i = 0; i < m.rows; ++i) {
      const float* zi = z + i * m.cols;
      double mean_z = 0;
      for (int64_t j = 0; j < m.cols; ++j) mean_z += zi[j];
      mean_z /= static_cast<double>(m.cols);
      const double lse = lse_[i];
      const double w = weighted ? o_.class_weights[static_cast<size_t>(labels[i])] : 1.0;
      total += w * ((1 - eps) * (lse - zi[labels[i]]) + eps * (lse - mean_z));
    }
    const double inv_n = 1.0 / static_cast<double>(m.rows);
    if (grad != nullptr) {
      grad->resize(out.shape());
      float* g = grad->data();
      kernels::softmax_rows(m.rows, m.cols, z, g);
      const float off = static_cast<float>(eps / static_cast<double>(m.cols));
      const float on = static_cast<float>(1 - eps) + off;
      for (int64_t i = 0; i < m.rows; ++i) {
        const float scale = static_cast<float>(
            (weighted ? o_.class_weights[static_cast<size_t>(labels[i])] : 1.0) * inv_n);
        float* gi = g + i * m.cols;
        for (int64_t j = 0; j < m.cols; ++j) gi[j] = (gi[j] - (j == labels[i] ? on : off)) * scale;
      }
    }
    return total * inv_n;
  }

  CrossEntropyOptions o_;
  Tensor lse_;  // per-row log-sum-exp, reused from batch to batch
};

class MeanSquaredError final : public Loss {
 public:
  std::string name() const override { return "mse"; }

  // L = (1/(N*D)) sum_k (o_k - y_k)^2,  dL/do_k = 2 (o_k - y_k) / (N*D)
  float forward_backward(const Tensor& out, const Targets& t, Tensor& grad) override {
    return static_cast<float>(compute(out, t, &grad));
  }
  float value(const Tensor& out, const Targets& t) override {
    return static_cast<float>(compute(out, t, nullptr));
  }

 private:
  static double compute(const Tensor& out, const Targets& t, Tensor* grad) {
    const char* kName = "mse";
    const Matrix m = output_matrix(kName, out);
    check_targets(kName, out, t);
    if (t.labels != nullptr) {
      for (int64_t i = 0; i < m.rows; ++i) check_label(kName, i, t.labels[i], m.cols);
    }
    const double inv = 1.0 / static_cast<double>(out.numel());
    const float scale = static_cast<float>(2.0 * inv);
    if (grad != nullptr) grad->resize(out.shape());
    const float* o = out.data();
    double total = 0;
    for (int64_t i = 0; i < m.rows; ++i) {
      for (int64_t j = 0; j < m.cols; ++j) {
        const int64_t k = i * m.cols + j;
        float y;
        if (t.labels != nullptr) {
          y = t.labels[i] == j ? 1.0f : 0.0f;
        } else {
          y = (*t.dense)[k];
        }
        const float d = o[k] - y;
        total += static_cast<double>(d) * static_cast<double>(d);
        if (grad != nullptr) (*grad)[k] = scale * d;
      }
    }
    return total * inv;
  }
};

}  // namespace

std::unique_ptr<Loss> make_softmax_cross_entropy(const CrossEntropyOptions& options) {
  return std::make_unique<SoftmaxCrossEntropy>(options);
}

std::unique_ptr<Loss> make_softmax_cross_entropy() {
  return std::make_unique<SoftmaxCrossEntropy>();
}

std::unique_ptr<Loss> make_mean_squared_error() {
  return std::make_unique<MeanSquaredError>();
}

std::unique_ptr<Loss> make_loss(const std::string& name) {
  if (name == "categorical_crossentropy" || name == "sparse_categorical_crossentropy" ||
      name == "cross_entropy" || name == "crossentropy") {
    return make_softmax_cross_entropy();
  }
  if (name == "mse" || name == "mean_squared_error") return make_mean_squared_error();
  throw Error("unknown loss '" + name +
              "' (known: categorical_crossentropy, sparse_categorical_crossentropy, "
              "cross_entropy, mse, mean_squared_error)");
}

}  // namespace inkstone
