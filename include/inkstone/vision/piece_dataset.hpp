#pragma once
// Training data for a digit classifier with a reject class: the candidate pieces the string
// reader classifies (vision/reading.hpp: digit_string_pieces), cut from synthetic digit strings
// whose digit boxes are known, each labelled by what it covers. A classifier trained on them
// learns to say "none" for two touching digits or a fragment of one, so that the reader's
// dynamic programming can tell a wrong cut from a right one.
#include <cstdint>

#include "inkstone/data/dataset.hpp"
#include "inkstone/tensor/rng.hpp"
#include "inkstone/vision/reading.hpp"

namespace inkstone {

struct PieceDatasetOptions {
  int strings = 1000;         // synthetic strings to cut
  int length = 5;             // digits per string
  double touching = 0.6;      // fraction of strings with touching digits (the rest have gaps)
  double reject_ratio = 1.0;  // at most this many "none" pieces per digit piece
  ReaderOptions reader;       // how the reader finds and cuts pieces
};

// How a piece spanning columns [x0, x1) is labelled against the true digit boxes: the digit
// whose width it covers by >= 85% while covering <= 20% of every other digit's width; kNone
// when it covers < 60% of every digit (a fragment) or >= 40% of two (a join); kAmbiguous else.
inline constexpr int kPieceNone = 10;
inline constexpr int kPieceAmbiguous = -1;
int piece_label(int x0, int x1, const std::vector<PixelBox>& digit_boxes,
                const std::string& digits);

// Pieces from options.strings strings of `digits` (28x28 images labelled 0-9), 11 classes
// "0".."9" and kRejectClassName. Every piece of a string whose reader-estimated and true line
// heights both give candidates is used: the line height alternates between the true median
// digit height and the reader's own first estimate.
Dataset make_piece_dataset(const Dataset& digits, const PieceDatasetOptions& options, Rng& rng);

}  // namespace inkstone
