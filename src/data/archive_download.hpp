#pragma once
// Datasets whose files come out of one archive shared by several datasets (EMNIST's gzip.zip
// holds all six splits). Private to data/.
#include <string>
#include <vector>

#include "data/catalog.hpp"
#include "inkstone/data/download.hpp"

namespace inkstone::detail {

// Makes the files of `spec` (its four IDX files and its mapping file) present in `dir`:
//  1. when all are there already, nothing is done (they were written only after verification);
//  2. otherwise `<dir>/<spec.archive>` is downloaded from the mirror `bases` (download_files():
//     .part, resume, mirror fallback) unless a copy matching `archive_checksum` is already
//     there; it is kept, so the other datasets of the archive need no second download;
//  3. the entries `<spec.archive_dir><file>` are extracted, each through `<file>.part` and
//     renamed only after its size and CRC-32 check (zip_reader.hpp).
// download_dataset() passes the pinned checksum of the catalog; tests pass their own.
void fetch_from_archive(const DatasetSpec& spec, const std::string& dir,
                        const std::vector<std::string>& bases, const Checksum& archive_checksum,
                        const DownloadOptions& opt);

}  // namespace inkstone::detail
