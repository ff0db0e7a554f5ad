#pragma once
// BatchNormalization over the channels of an image (C, H, W) — statistics per channel over
// N, H, W — or over the features of a vector (F,) — statistics per feature over N.
//   train:  mu = mean(x), var = mean((x - mu)^2)           (the biased batch variance)
//           xhat = (x - mu) / sqrt(var + eps),  y = gamma xhat + beta
//           moving_mean     = momentum moving_mean     + (1 - momentum) mu
//           moving_variance = momentum moving_variance + (1 - momentum) var
//   infer:  the same with mu, var = moving_mean, moving_variance (nothing is updated)
// Like Keras (and unlike PyTorch), the moving variance is fed the biased batch variance, the
// one used to normalize. A frozen layer (set_trainable(false)) normalizes with the moving
// statistics in training mode too and does not update them, as Keras does.
// Backward with batch statistics (M = values per channel):
//   dgamma += sum dy xhat,  dbeta += sum dy
//   dx = gamma / sqrt(var + eps) * (dy - sum(dy) / M - xhat sum(dy xhat) / M)
// and with moving statistics dx = gamma / sqrt(moving_variance + eps) * dy.
#include <vector>

#include "inkstone/nn/layer.hpp"

namespace inkstone {

class BatchNormalization final : public Layer {
 public:
  explicit BatchNormalization(float momentum = 0.99f, float epsilon = 1e-3f);

  std::string type() const override { return "BatchNormalization"; }
  Shape build(const Shape& input_shape, Rng& rng) override;
  const Tensor& forward(const Tensor& x, Mode mode) override;
  const Tensor& backward(const Tensor& dy) override;
  std::vector<Param*> params() override;
  // "moving_mean", "moving_variance"
  std::vector<std::pair<std::string, Tensor*>> buffers() override;
  // {"momentum", "epsilon"}
  nlohmann::json config() const override;

  float momentum() const { return momentum_; }
  float epsilon() const { return eps_; }
  Param& gamma() { return gamma_; }
  Param& beta() { return beta_; }
  Tensor& moving_mean() { return moving_mean_; }
  Tensor& moving_variance() { return moving_var_; }

 private:
  float momentum_;
  float eps_;
  int64_t channels_ = 0;
  int64_t inner_ = 1;  // values per channel per sample (H*W, or 1 for vectors)
  Param gamma_{"gamma", {}, {}, true, false, 1};
  Param beta_{"beta", {}, {}, true, false, 1};
  Tensor moving_mean_, moving_var_;
  // Per channel, from the last forward(): the mean and 1/sqrt(var + eps) used to normalize.
  std::vector<float> mean_, inv_std_;
  std::vector<double> acc1_, acc2_;  // per-channel sums (reused)
  std::vector<float> coef_;          // per-channel backward coefficients (reused)
  bool batch_stats_ = false;         // whether the last forward() used batch statistics
  const Tensor* x_ = nullptr;
  Tensor y_, dx_;
};

}  // namespace inkstone
