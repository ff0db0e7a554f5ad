#pragma once
// Reading handwritten digits on a page: a digit string (a postcode, an amount, a student number)
// or a form of printed boxes with one digit per cell. The readers segment the image and hand
// 28x28 MNIST-style crops to a Classifier — any model, given as a function — so that this module
// knows nothing of networks and is tested with a stand-in classifier.
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "inkstone/data/image.hpp"
#include "inkstone/data/mnist_style.hpp"

namespace inkstone {

// Class probabilities of n 28x28 grey inputs (light ink on black), n * classes values, row-major.
using Classifier = std::function<std::vector<float>(const std::vector<Image>& inputs)>;

struct DigitReading {
  int cls = -1;       // the class read; -1 for an empty box
  std::string label;  // its name ("7"); "" for an empty box
  float confidence = 0;
  PixelBox box;                            // the ink read (the cell, for boxes)
  std::vector<std::pair<int, float>> top;  // best classes first, with probabilities
  Image input;                             // the 28x28 image the classifier saw
  bool empty() const { return cls < 0; }
};

struct Reading {
  // The labels in reading order; an empty box reads as '_', and rows of boxes are separated
  // by '\n'.
  std::string text;
  std::vector<DigitReading> digits;
  int rows = 1;  // rows of boxes (1 for a string)
  double min_confidence() const;
};

// The name of a reject class: a classifier trained to say "not one digit" (two touching digits,
// a fragment of one) gives the reader a way to score wrong cuts as wrong.
inline constexpr const char* kRejectClassName = "none";

struct ReaderOptions {
  std::vector<std::string> class_names;  // the name of each class; its number when missing
  int classes = 10;                      // length of each classifier output row
  // The classifier's reject class (kRejectClassName), or -1. It is never read as a digit: a
  // piece's confidence is its best other class's probability.
  int reject_class = -1;
  // With a reject class: a blob shorter than fragment_height line heights read as "none" is
  // dropped as a fragment.
  double fragment_height = 0.75;
  int top = 3;  // classes kept in DigitReading::top
  // How the page's ink is found and crops become model inputs; readers use hysteresis (ink
  // down to half of Otsu's threshold when it touches stronger ink) to keep faint strokes.
  MnistStyleOptions normalize{20, 28, true, 0.5};
  // Digit strings: a blob wider than max_digit_width line heights is always split; a blob
  // narrower than min_split_width line heights never is; between them, cuts are chosen by
  // the classifier's confidence. At most max_digits_per_blob digits come from one blob.
  double max_digit_width = 1.4;
  double min_split_width = 0.4;
  int max_digits_per_blob = 8;
  // A piece cut from a blob must be at least this many line heights tall (digits are as tall as
  // the line; the half of a digit a wrong cut makes often is not).
  double min_piece_height = 0.6;
  // ... and at least this many line heights wide (a thin 1 is narrow; so is a sliver of a digit).
  double min_piece_width = 0.15;
  // Cuts through a blob of touching digits: straight cuts at the minima of the ink's column
  // profile, and up to bent_cuts bent ones (0: none): the cleanest paths from top to bottom
  // (fewest strokes crossed) within cut_band line heights of a profile minimum or of a column
  // on a regular grid (a tenth of the line height apart), so that a cut can pass around a
  // leaning digit. Off by default: on synthetic touching strings they read no more strings
  // right and take twice the time (docs/reading.md); 6 is a good number to try.
  double cut_band = 0.3;
  int bent_cuts = 0;
  // A blob no wider than max_digit_width line heights that the classifier reads as one digit
  // with at least this confidence is not split.
  double keep_whole_confidence = 0.9;
  // Score of a segmentation: sum over its pieces of log(confidence) + split_bonus, plus the
  // log prior of its number of digits (below).
  double split_bonus = 0.0;
  // The prior on how many digits a blob holds: digits are digit_width line heights wide on
  // average, with a standard deviation of width_sd.
  double digit_width = 0.6;
  double width_sd = 0.4;
  // How many digits the string holds when that is known (a 5-digit postcode, an 8-digit
  // student number), 0 when not. When the blobs read on their own give another count, the
  // reader takes the readings of each blob with k digits whose counts add up to it and whose
  // summed scores are best (a blob shorter than a digit may then read as no digit); when no
  // such choice exists the count is ignored.
  int expected_digits = 0;
  int64_t max_pixels = int64_t{4096} * 4096;
};

// Reads a digit string written on one line. Throws Error when the image holds no ink.
Reading read_digit_string(const Image& image, const Classifier& classify,
                          const ReaderOptions& options = {});

// A candidate piece of a digit string: the ink of one blob between columns [x0, x1).
struct StringPiece {
  int x0 = 0, x1 = 0;
  bool whole_blob = false;  // the piece is a whole blob (no cut)
  PixelBox box;             // its ink
  Image input;              // the 28x28 model input it makes
};
// Every candidate piece read_digit_string classifies on an image, for a line height of
// line_height pixels (0: estimated from the image as the reader does first). Training data for
// a classifier with a reject class (`inkstone synth pieces`). Throws Error as the reader does.
std::vector<StringPiece> digit_string_pieces(const Image& image, const ReaderOptions& options = {},
                                             double line_height = 0);

// Reads a form of printed boxes (one row or a grid): finds the boxes' lines, removes them and
// reads one digit per cell, reporting cells without ink as empty. Throws Error when no boxes
// are found.
Reading read_boxes(const Image& image, const Classifier& classify,
                   const ReaderOptions& options = {});

}  // namespace inkstone
