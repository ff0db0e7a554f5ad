#pragma once
// EMNIST (Cohen, Afshar, Tapson, van Schaik 2017): NIST Special Database 19's handwritten digits
// and letters converted to MNIST's 28x28 format, in six splits — byclass, bymerge, balanced,
// letters, digits, mnist — each as IDX files plus a label-mapping text file (label_mapping.hpp).
//
// Two things differ from MNIST:
//  - every image is stored transposed: its bytes, read row by row, are the columns of the
//    upright character. Loading transposes them back, so an EMNIST '7' looks like an MNIST '7':
//        upright[r][c] = stored[c][r]
//  - labels are mapped through the split's mapping file: class = label - first label (letters'
//    labels are 1..26 and become classes 0..25), and class names are the mapped characters.
#include <string>

#include "inkstone/data/dataset.hpp"
#include "inkstone/data/label_mapping.hpp"

namespace inkstone {

// Transposes every image of `d` in place (an R x C image becomes C x R; height and width swap).
void transpose_images(Dataset& d);

// Reads an IDX image file and label file (idx.hpp: gzip or raw, fully validated), maps each label
// through `mapping` and, when `transposed`, transposes the images. Errors: counts differ (naming
// both files), or a label outside the mapping (naming the labels file, the index, the value and
// the mapping file).
Dataset load_mapped_idx_dataset(const std::string& images_path, const std::string& labels_path,
                                const std::string& name, const LabelMapping& mapping,
                                bool transposed);

}  // namespace inkstone
