#pragma once
// Connectionist temporal classification (Graves et al. 2006): the loss of reading a label
// sequence from per-frame class scores without knowing where each symbol lies, and the greedy
// decoding of such scores. The building block of a line recognizer that reads a digit string
// column by column instead of cutting it into digits first.
#include <vector>

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

}  // namespace inkstone
