#pragma once
// Label-mapping files: which character each label of a dataset stands for. EMNIST ships one per
// split (gzip/emnist-<split>-mapping.txt), one line per class, decimal numbers:
//
//   <label> <character code> [<character code> ...]
//
//   0 48        label 0 is '0' (byclass, bymerge, balanced, digits, mnist)
//   10 65       label 10 is 'A'
//   12 67       balanced/bymerge: label 12 is 'C', which also holds the merged lower-case 'c'
//   1 65 97     letters: label 1 is 'A' and 'a' (letters' labels are 1..26)
//
// Class k is label first_label + k: labels must be consecutive, starting at 0 or 1. A class's
// name is the characters of its codes in the order listed ("0", "A", "Aa"). Codes must be
// printable ASCII (33..126) and no name may repeat. Blank lines and a final newline (LF or CRLF)
// are allowed. Every error names the file and line.
#include <string>
#include <vector>

namespace inkstone {

struct LabelMapping {
  std::string source;                    // the file read, or a description of built-in text
  int first_label = 0;                   // the label of class 0 (EMNIST letters: 1)
  std::vector<std::string> class_names;  // class k = label first_label + k

  int num_classes() const { return static_cast<int>(class_names.size()); }
};

// Parses mapping text; `source` names it in errors ("emnist-letters-mapping.txt:3: ...").
LabelMapping parse_label_mapping(const std::string& text, const std::string& source);
// Reads and parses a mapping file (at most 64 KiB).
LabelMapping read_label_mapping(const std::string& path);

}  // namespace inkstone
