#include "cli/progress.hpp"

#include <cstdio>

namespace inkstone::cli {

std::string format_epoch_line(const EpochStats& s) {
  char buf[256];
  int n = std::snprintf(buf, sizeof buf, "Epoch %d/%d - loss %.4f - accuracy %.4f", s.epoch,
                        s.epochs, s.loss, s.accuracy);
  std::string line(buf, static_cast<size_t>(n));
  if (s.has_validation) {
    n = std::snprintf(buf, sizeof buf, " - val_loss %.4f - val_accuracy %.4f", s.val_loss,
                      s.val_accuracy);
    line.append(buf, static_cast<size_t>(n));
  }
  n = std::snprintf(buf, sizeof buf, " - lr %.3g - %.1f s - %.0f img/s", s.lr, s.seconds,
                    s.images_per_second);
  line.append(buf, static_cast<size_t>(n));
  return line;
}

void EpochPrinter::on_batch(const BatchProgress& p) {
  if (!live_) return;
  // Redraw at most ~10 times a second, and always on the last batch.
  if (p.batch != p.num_batches && p.seconds - last_draw_ < 0.1) return;
  last_draw_ = p.seconds;
  constexpr int kWidth = 30;
  const int filled = static_cast<int>(kWidth * p.batch / p.num_batches);
  std::string bar(static_cast<size_t>(filled), '=');
  if (filled < kWidth) bar += '>';
  bar.resize(kWidth, '.');
  const double eta = p.batch > 0 ? p.seconds * static_cast<double>(p.num_batches - p.batch) /
                                       static_cast<double>(p.batch)
                                 : 0;
  std::printf("\rEpoch %d/%d %6lld/%lld [%s] ETA %4.0fs - %6.0f img/s - loss %.4f - accuracy %.4f ",
              p.epoch, p.epochs, static_cast<long long>(p.batch),
              static_cast<long long>(p.num_batches), bar.c_str(), eta, p.images_per_second, p.loss,
              p.accuracy);
  std::fflush(stdout);
}

void EpochPrinter::on_epoch(const EpochStats& s) {
  if (live_) {
    // Clear the bar, then print the permanent line.
    std::printf("\r\033[K");
  }
  std::printf("%s\n", format_epoch_line(s).c_str());
  std::fflush(stdout);
  last_draw_ = -1;
}

}  // namespace inkstone::cli
