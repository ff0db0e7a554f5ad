#pragma once
// Connectionist temporal classification (Graves et al. 2006): the loss of reading a label
// sequence from per-frame class scores without knowing where each symbol lies, and the greedy
// decoding of such scores. The building block of a line recognizer that reads a digit string
// column by column instead of cutting it into digits first.
#include <memory>
#include <vector>

#include "inkstone/nn/loss.hpp"

namespace inkstone {

// The CTC loss of one sequence: logits has frames rows of classes values (softmax is applied
// per frame), label holds symbols in [0, classes) other than blank. With y_t = softmax(logits_t)
// and l' the label with a blank before, between and after its symbols (length S = 2L + 1):
//   alpha_0(0) = y_0(blank), alpha_0(1) = y_0(l'_1),
//   alpha_t(s) = (alpha_{t-1}(s) + alpha_{t-1}(s-1) [+ alpha_{t-1}(s-2) when l'_s is not blank
//                 and l'_s != l'_{s-2}]) y_t(l'_s),
//   p(label) = alpha_{T-1}(S-1) + alpha_{T-1}(S-2),   loss = -log p(label),
// computed in log space. With beta the same recursion run backwards (beta_t includes y_t),
//   d loss / d logits_t(k) = y_t(k) - sum over s with l'_s = k of
//                            alpha_t(s) beta_t(s) / (y_t(k) p(label)).
// When grad is not null it receives these frames x classes derivatives. Throws Error on a bad
// shape or symbol, and when the label cannot fit in the frames (L symbols with R adjacent
// repeats need L + R frames).
double ctc_loss(const float* logits, int frames, int classes, const std::vector<int>& label,
                int blank, float* grad = nullptr);

// Best-path decoding: the highest-scoring class of each frame, adjacent repeats merged, blanks
// dropped ("-11-2" -> "12", "1-1" -> "11").
std::vector<int> ctc_greedy_decode(const float* scores, int frames, int classes, int blank);

// CTC as a model's Loss, for a model whose output is per-frame class scores laid out
// [N, classes, 1, frames] or [N, classes, frames] (a convolutional line model: channels are
// classes, columns are frames). The targets are dense, [N, L]: row i holds the label of sample i
// as class numbers, padded with any negative value. The loss is the mean of ctc_loss over the
// batch (softmax applied per frame); its gradient is that of ctc_loss divided by N. Throws Error
// on a target that does not fit the output or a label too long for the frames.
std::unique_ptr<Loss> make_ctc_loss(int blank);

}  // namespace inkstone
