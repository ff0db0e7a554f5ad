// CtcLoss: ctc_loss over a batch of per-frame scores in a model's [N, classes, (1,) frames]
// layout.
#include <cmath>
#include <string>
#include <vector>

#include "inkstone/nn/ctc.hpp"
#include "inkstone/tensor/error.hpp"

namespace inkstone {
namespace {

class CtcLoss final : public Loss {
 public:
  explicit CtcLoss(int blank) : blank_(blank) {
    if (blank < 0) throw Error("ctc loss: blank must be >= 0, got " + std::to_string(blank));
  }
  std::string name() const override { return "ctc"; }
  bool fuses_softmax() const override { return true; }

  float forward_backward(const Tensor& out, const Targets& t, Tensor& grad) override {
    if (grad.shape() != out.shape()) grad = Tensor(out.shape());
    return compute(out, t, &grad);
  }
  float value(const Tensor& out, const Targets& t) override { return compute(out, t, nullptr); }

 private:
  float compute(const Tensor& out, const Targets& t, Tensor* grad) {
    if (out.rank() != 3 && !(out.rank() == 4 && out.dim(2) == 1))
      throw Error("ctc loss: the output " + out.shape().str() +
                  " is not per-frame scores [N, classes, 1, frames] or [N, classes, frames]");
    if (t.dense == nullptr || t.dense->rank() != 2 || t.dense->dim(0) != out.dim(0))
      throw Error("ctc loss: the targets must be labels [N, L] padded with -1, one row per sample");
    const int64_t n = out.dim(0);
    const int classes = static_cast<int>(out.dim(1));
    const int frames = static_cast<int>(out.numel() / (n * classes));
    const int64_t width = t.dense->dim(1);
    scores_.resize(static_cast<size_t>(frames) * static_cast<size_t>(classes));
    frame_grad_.resize(scores_.size());
    double total = 0;
    for (int64_t i = 0; i < n; ++i) {
      const float* o = out.data() + i * classes * frames;  // o[c * frames + f]
      for (int f = 0; f < frames; ++f)
        for (int c = 0; c < classes; ++c)
          scores_[static_cast<size_t>(f * classes + c)] = o[c * frames + f];
      label_.clear();
      for (int64_t k = 0; k < width; ++k) {
        const float v = t.dense->data()[i * width + k];
        if (v < 0) break;
        if (v != std::floor(v) || v >= static_cast<float>(classes))
          throw Error("ctc loss: target " + std::to_string(v) + " of sample " + std::to_string(i) +
                      " is not a class of " + std::to_string(classes));
        label_.push_back(static_cast<int>(v));
      }
      total += ctc_loss(scores_.data(), frames, classes, label_, blank_,
                        grad ? frame_grad_.data() : nullptr);
      if (grad) {
        float* g = grad->data() + i * classes * frames;
        const float inv_n = 1.0f / static_cast<float>(n);
        for (int f = 0; f < frames; ++f)
          for (int c = 0; c < classes; ++c)
            g[c * frames + f] = frame_grad_[static_cast<size_t>(f * classes + c)] * inv_n;
      }
    }
    return static_cast<float>(total / static_cast<double>(n));
  }

  int blank_;
  std::vector<float> scores_, frame_grad_;
  std::vector<int> label_;
};

}  // namespace

std::unique_ptr<Loss> make_ctc_loss(int blank) {
  return std::make_unique<CtcLoss>(blank);
}

}  // namespace inkstone
