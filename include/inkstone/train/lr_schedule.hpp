#pragma once
// Learning-rate schedules: the factor by which the optimizer's base learning rate is scaled at
// a point of training. fit() applies it before every batch, at the continuous training
// position t = epoch + batch / batches_per_epoch (t in [0, epochs)), so schedules are smooth
// within an epoch rather than stepped at its end (except "step", which is a staircase).
//
// Text form (the --lr-schedule flag): "name" or "name:key=value,key=value". With T = epochs:
//   constant                          1
//   step:every=E,gamma=G              G^floor(t / E)                     (E = 1, G = 0.5)
//   exponential:gamma=G               G^t                                (G = 0.9)
//   cosine:warmup=W,final=F           t < W: (t + 1/B) / W, linear warmup from lr/B
//                                     else:  F + (1 - F) * (1 + cos(pi * (t - W) / (T - W))) / 2
//                                                                        (W = 0, F = 0)
//   onecycle:pct=P,div=D,final_div=Q  Smith's one-cycle as PyTorch's OneCycleLR (cosine
//                                     annealing): rises from 1/D to 1 over the first P*T epochs,
//                                     then falls to 1/(D*Q) at T        (P = 0.25, D = 25, Q = 1e4)
//   plateau:factor=F,patience=P,min_delta=D,cooldown=C,min=M
//                                     reduce-on-plateau: 1, times F whenever the monitored
//                                     quantity (val_loss, else loss) has not improved by D for
//                                     P epochs, then C epochs of cooldown; never below M
//                                     (F = 0.1, P = 2, D = 1e-4, C = 0, M = 0). factor() is 1:
//                                     the ReduceLrOnPlateau callback (train/callbacks.hpp),
//                                     made from plateau(), applies it.
// where B is the number of batches per epoch. Every key is optional; unknown names or keys,
// malformed numbers and out-of-range values are Errors naming the bad part.
#include <string>

namespace inkstone {

class LrSchedule {
 public:
  enum class Kind { kConstant, kStep, kExponential, kCosine, kOneCycle, kPlateau };
  struct Plateau {
    double factor = 0.1;
    int patience = 2;
    double min_delta = 1e-4;
    int cooldown = 0;
    double min_factor = 0;
  };

  LrSchedule() = default;  // constant
  // Parses the text form above; throws Error with a message naming what is wrong.
  static LrSchedule parse(const std::string& text);

  // The learning-rate factor at training position t (epochs, fractional) of `epochs` in all,
  // with `batches_per_epoch` batches per epoch (for the warmup's first step).
  double factor(double t, int epochs, long long batches_per_epoch = 1) const;

  Kind kind() const { return kind_; }
  const Plateau& plateau() const { return plateau_; }  // for kPlateau
  // The canonical text form with every parameter spelled out, e.g. "cosine:warmup=1,final=0".
  std::string str() const;

 private:
  Kind kind_ = Kind::kConstant;
  double every_ = 1, gamma_ = 0.5;                  // step (exponential uses gamma_ = 0.9)
  double warmup_ = 0, final_ = 0;                   // cosine
  double pct_ = 0.25, div_ = 25, final_div_ = 1e4;  // onecycle
  Plateau plateau_;
};

}  // namespace inkstone
