#include "data/archive_download.hpp"

#include "data/file_util.hpp"
#include "data/zip_reader.hpp"
#include "inkstone/tensor/error.hpp"

namespace inkstone::detail {

namespace {

// Largest entry extracted: EMNIST's biggest member (byclass training images) is far smaller.
constexpr int64_t kMaxEntryBytes = int64_t{2} << 30;

std::vector<std::string> wanted_files(const DatasetSpec& spec) {
  std::vector<std::string> names;
  for (const FileSpec& f : spec.files) names.push_back(f.name);
  if (!spec.mapping_file.empty()) names.push_back(spec.mapping_file);
  return names;
}

}  // namespace

void fetch_from_archive(const DatasetSpec& spec, const std::string& dir,
                        const std::vector<std::string>& bases, const Checksum& archive_checksum,
                        const DownloadOptions& opt) {
  const std::vector<std::string> names = wanted_files(spec);
  bool complete = true;
  for (const std::string& n : names) complete = complete && is_file(join_path(dir, n));
  if (complete) return;

  download_files({{spec.archive, archive_checksum}}, bases, dir, opt, spec.name);
  const ZipReader zip(join_path(dir, spec.archive));
  for (const std::string& n : names) {
    const ZipEntry* e = zip.find(spec.archive_dir + n);
    if (!e) {
      throw Error(zip.path() + ": has no entry '" + spec.archive_dir + n + "' (" +
                  std::to_string(zip.entries().size()) + " entries); is this the " + spec.archive +
                  " that holds " + spec.name + "?");
    }
    const std::string dest = join_path(dir, n);
    if (opt.progress) opt.progress("extracting " + n, 0, static_cast<int64_t>(e->size));
    zip.extract_to_file(*e, dest, kMaxEntryBytes);
    if (opt.progress) {
      opt.progress("extracting " + n, static_cast<int64_t>(e->size), static_cast<int64_t>(e->size));
    }
  }
}

}  // namespace inkstone::detail
