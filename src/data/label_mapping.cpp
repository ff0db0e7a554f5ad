#include "inkstone/data/label_mapping.hpp"

#include <cstdint>
#include <map>

#include "data/file_util.hpp"
#include "inkstone/tensor/error.hpp"

namespace inkstone {

namespace {

constexpr int64_t kMaxMappingBytes = 64 << 10;
constexpr int kMaxClasses = 256;  // labels are one byte in IDX files

// The whitespace-separated tokens of one line.
std::vector<std::string> tokens_of(const std::string& line) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
    const size_t start = i;
    while (i < line.size() && line[i] != ' ' && line[i] != '\t') ++i;
    if (i > start) out.push_back(line.substr(start, i - start));
  }
  return out;
}

// A non-negative decimal number of at most 7 digits; -1 when `s` is not one.
int parse_number(const std::string& s) {
  if (s.empty() || s.size() > 7) return -1;
  int v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return -1;
    v = v * 10 + (c - '0');
  }
  return v;
}

// Shows a token in a message without letting binary garbage through.
std::string printable(const std::string& s) {
  std::string out;
  for (char c : s.substr(0, 20)) out += (c >= 32 && c < 127) ? c : '?';
  return s.size() > 20 ? out + "..." : out;
}

}  // namespace

LabelMapping parse_label_mapping(const std::string& text, const std::string& source) {
  LabelMapping m;
  m.source = source;
  std::map<std::string, int> line_of_name;  // for duplicate names
  size_t pos = 0;
  int line_no = 0;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string::npos) end = text.size();
    std::string line = text.substr(pos, end - pos);
    pos = end + 1;
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    const std::string at = source + ":" + std::to_string(line_no) + ": ";
    if (line.find('\0') != std::string::npos) {
      throw Error(at + "binary data: not a label-mapping text file");
    }
    const std::vector<std::string> tok = tokens_of(line);
    if (tok.empty()) continue;
    const int label = parse_number(tok[0]);
    if (label < 0) {
      throw Error(at + "expected '<label> <character code> ...', got '" + printable(tok[0]) + "'");
    }
    if (tok.size() < 2) {
      throw Error(at + "label " + std::to_string(label) + " has no character code");
    }
    if (m.class_names.empty()) {
      if (label > 1) {
        throw Error(at + "the first label is " + std::to_string(label) + "; expected 0 or 1");
      }
      m.first_label = label;
    } else if (label != m.first_label + m.num_classes()) {
      throw Error(at + "label " + std::to_string(label) + " follows label " +
                  std::to_string(m.first_label + m.num_classes() - 1) +
                  "; labels must be consecutive");
    }
    if (m.num_classes() >= kMaxClasses) {
      throw Error(at + "more than " + std::to_string(kMaxClasses) + " classes");
    }
    std::string name;
    for (size_t i = 1; i < tok.size(); ++i) {
      const int code = parse_number(tok[i]);
      if (code < 33 || code > 126) {
        throw Error(at + "character code '" + printable(tok[i]) + "' of label " +
                    std::to_string(label) + " is not a printable ASCII code (33..126)");
      }
      name += static_cast<char>(code);
    }
    const auto [it, inserted] = line_of_name.emplace(name, line_no);
    if (!inserted) {
      throw Error(at + "class name '" + name + "' already given to a label on line " +
                  std::to_string(it->second));
    }
    m.class_names.push_back(name);
  }
  if (m.class_names.empty()) throw Error(source + ": no label mappings (empty file)");
  return m;
}

LabelMapping read_label_mapping(const std::string& path) {
  if (!detail::is_file(path)) throw Error(path + ": cannot open: no such file");
  const std::vector<uint8_t> bytes = detail::read_file(path, kMaxMappingBytes);
  return parse_label_mapping(std::string(bytes.begin(), bytes.end()), path);
}

}  // namespace inkstone
