// The zip reader on generated archives: stored and deflated entries, CRC-32 and size checks,
// truncated, corrupt and hostile archives, and what it refuses (zip64, encryption, methods).
#include "data/zip_reader.hpp"

#include <gtest/gtest.h>

#include "data_test_util.hpp"
#include "zip_builder.hpp"

namespace inkstone {
namespace {

using detail::ZipEntry;
using detail::ZipReader;
using test::error_of;
using test::TempDir;
using test::ZipBuilder;

// Compressible data larger than the reader's 256 KiB chunks, so streaming crosses chunks.
std::string big_text() {
  std::string s;
  for (int i = 0; s.size() < 700'000; ++i) s += "line " + std::to_string(i % 977) + " of ink\n";
  return s;
}

// Incompressible bytes.
std::string noise(size_t n, uint32_t seed) {
  std::string s(n, '\0');
  for (char& c : s) {
    seed = seed * 1664525u + 1013904223u;
    c = static_cast<char>(seed >> 24);
  }
  return s;
}

std::string write_zip(const TempDir& t, const std::string& bytes,
                      const std::string& name = "a.zip") {
  test::write_file(t / name, bytes);
  return t / name;
}

// An error message, checked to be one line that names the archive.
std::string one_line_error(const std::string& zip, const std::function<void()>& f) {
  const std::string msg = error_of(f);
  EXPECT_EQ(msg.find('\n'), std::string::npos) << msg;
  EXPECT_HAS(msg, zip);
  return msg;
}

TEST(ZipReader, StoredAndDeflatedEntries) {
  TempDir t;
  ZipBuilder zb;
  const std::string text = big_text(), bin = noise(300'000, 7);
  zb.add("gzip/readme.txt", "EMNIST\n", 0);
  zb.add("gzip/big.txt", text, 8);
  zb.add("gzip/noise.bin", bin, 0);
  zb.add("gzip/empty", "", 8);
  ZipBuilder::End end;
  end.comment = std::string("a comment with PK\x05\x06 inside it");
  const std::string path = write_zip(t, zb.bytes(end));

  const ZipReader zip(path);
  ASSERT_EQ(zip.entries().size(), 4u);
  EXPECT_EQ(zip.entries()[1].name, "gzip/big.txt");
  EXPECT_EQ(zip.entries()[1].method, 8);
  EXPECT_LT(zip.entries()[1].compressed_size, text.size() / 4);
  EXPECT_EQ(zip.entries()[1].size, text.size());
  EXPECT_EQ(zip.find("big.txt"), nullptr);  // names match exactly
  ASSERT_NE(zip.find("gzip/readme.txt"), nullptr);
  EXPECT_EQ(zip.read(*zip.find("gzip/readme.txt"), 100), "EMNIST\n");
  EXPECT_EQ(zip.read(*zip.find("gzip/big.txt"), 1 << 20), text);
  EXPECT_EQ(zip.read(*zip.find("gzip/noise.bin"), 1 << 20), bin);
  EXPECT_EQ(zip.read(*zip.find("gzip/empty"), 0), "");

  // Streaming delivers the same bytes in several chunks.
  std::string streamed;
  int chunks = 0;
  zip.extract(
      *zip.find("gzip/big.txt"),
      [&](const uint8_t* p, size_t n) {
        streamed.append(reinterpret_cast<const char*>(p), n);
        ++chunks;
      },
      1 << 20);
  EXPECT_EQ(streamed, text);
  EXPECT_GT(chunks, 1);
}

TEST(ZipReader, ExtractToFileOnlyWhenVerified) {
  TempDir t;
  ZipBuilder zb;
  zb.add("good.txt", big_text(), 8);
  zb.add("bad.txt", "some text that will not match its checksum", 0);
  zb.entries()[1].crc32 ^= 0x1;
  const std::string path = write_zip(t, zb.bytes());
  const ZipReader zip(path);

  zip.extract_to_file(*zip.find("good.txt"), t / "good.txt", 1 << 20);
  EXPECT_EQ(test::read_file(t / "good.txt"), big_text());
  EXPECT_FALSE(detail::is_file(t / "good.txt.part"));

  const std::string msg = one_line_error(
      path, [&] { zip.extract_to_file(*zip.find("bad.txt"), t / "bad.txt", 1 << 20); });
  EXPECT_HAS(msg, "entry 'bad.txt': CRC-32 mismatch");
  EXPECT_FALSE(detail::is_file(t / "bad.txt"));
  EXPECT_FALSE(detail::is_file(t / "bad.txt.part"));
}

TEST(ZipReader, CrcMismatchInStoredAndDeflatedData) {
  TempDir t;
  ZipBuilder zb;
  zb.add("stored.bin", noise(5000, 1), 0);
  zb.add("deflated.txt", big_text(), 8);
  std::string bytes = zb.bytes();
  bytes[zb.entries()[0].data_offset + 100] ^= 0x40;  // one flipped bit in the stored data
  const std::string path = write_zip(t, bytes);
  const ZipReader zip(path);
  std::string msg = one_line_error(path, [&] { zip.read(*zip.find("stored.bin"), 1 << 20); });
  EXPECT_HAS(msg, "entry 'stored.bin': CRC-32 mismatch: the data gives 0x");
  EXPECT_HAS(msg, "the archive records 0x");

  ZipBuilder zb2;
  zb2.add("deflated.txt", big_text(), 8);
  zb2.entries()[0].crc32 += 1;
  const std::string path2 = write_zip(t, zb2.bytes(), "b.zip");
  const ZipReader zip2(path2);
  msg = one_line_error(path2, [&] { zip2.read(zip2.entries()[0], 1 << 20); });
  EXPECT_HAS(msg, "CRC-32 mismatch");
}

TEST(ZipReader, CorruptAndTruncatedDeflateStreams) {
  TempDir t;
  const std::string text = big_text();
  const std::string z = ZipBuilder::raw_deflate(text);
  const uint32_t crc = static_cast<uint32_t>(
      crc32(0L, reinterpret_cast<const Bytef*>(text.data()), static_cast<uInt>(text.size())));
  ZipBuilder zb;
  zb.add_raw("invalid", std::string(64, '\xff'), 8, crc, 1000);  // block type 3 is invalid
  zb.add_raw("cut", z.substr(0, z.size() / 2), 8, crc, static_cast<uint32_t>(text.size()));
  zb.add_raw("trailing", z + "xyz", 8, crc, static_cast<uint32_t>(text.size()));
  zb.add_raw("longer", z, 8, crc, static_cast<uint32_t>(text.size() - 10));
  zb.add_raw("shorter", z, 8, crc, static_cast<uint32_t>(text.size() + 10));
  const std::string path = write_zip(t, zb.bytes());
  const ZipReader zip(path);
  auto err = [&](const char* name) {
    return one_line_error(path, [&] { zip.read(*zip.find(name), 1 << 21); });
  };
  EXPECT_HAS(err("invalid"), "entry 'invalid': corrupt deflate data: invalid block type");
  EXPECT_HAS(err("cut"), "entry 'cut': truncated: its deflate stream ends before its end marker");
  EXPECT_HAS(err("trailing"), "3 bytes of its data follow the end of its deflate stream");
  EXPECT_HAS(err("longer"), "inflates to more than the " + std::to_string(text.size() - 10));
  EXPECT_HAS(err("shorter"), "its data has " + std::to_string(text.size()) +
                                 " bytes, the archive announces " +
                                 std::to_string(text.size() + 10));
}

TEST(ZipReader, TruncatedAndNonZipFiles) {
  TempDir t;
  ZipBuilder zb;
  zb.add("gzip/a.gz", noise(10'000, 3), 0);
  const std::string whole = zb.bytes();

  std::string path = write_zip(t, whole.substr(0, whole.size() - 10), "cut-end.zip");
  EXPECT_HAS(one_line_error(path, [&] { ZipReader z(path); }),
             "truncated or corrupt zip archive: no end-of-central-directory record");
  path = write_zip(t, whole.substr(0, 5000), "cut-half.zip");
  EXPECT_HAS(one_line_error(path, [&] { ZipReader z(path); }), "truncated or corrupt");
  path = write_zip(t, std::string(4000, 'x'), "text.zip");
  EXPECT_HAS(one_line_error(path, [&] { ZipReader z(path); }),
             "not a zip archive (no end-of-central-directory record)");
  path = write_zip(t, "PK\x03\x04", "tiny.zip");
  EXPECT_HAS(one_line_error(path, [&] { ZipReader z(path); }), "too short");
  EXPECT_HAS(error_of([&] { ZipReader z(t / "missing.zip"); }), "missing.zip: cannot open");

  // The data of an entry cut short (the directory survives, the data does not).
  ZipBuilder cut;
  cut.add("gzip/a.gz", noise(10'000, 3), 0);
  cut.entries()[0].compressed_size = 20'000;
  cut.entries()[0].size = 20'000;
  path = write_zip(t, cut.bytes(), "short-data.zip");
  const ZipReader z(path);
  EXPECT_HAS(one_line_error(path, [&] { z.read(z.entries()[0], 1 << 20); }),
             "run past the start of the central directory");
}

TEST(ZipReader, HostileSizesAndOffsets) {
  TempDir t;
  ZipBuilder zb;
  zb.add("x", "hello", 0);

  ZipBuilder::End end;
  end.cd_offset = 1'000'000;
  std::string path = write_zip(t, zb.bytes(end), "cd-offset.zip");
  EXPECT_HAS(one_line_error(path, [&] { ZipReader z(path); }),
             "the central directory (47 bytes at offset 1000000) overlaps its end record");

  end = {};
  end.entry_count = 5000;
  path = write_zip(t, zb.bytes(end), "count.zip");
  EXPECT_HAS(one_line_error(path, [&] { ZipReader z(path); }),
             "5000 entries cannot fit in a central directory of 47 bytes");

  ZipBuilder far;
  far.add("x", "hello", 0);
  far.entries()[0].local_offset = 4'000'000;
  path = write_zip(t, far.bytes(), "local.zip");
  {
    const ZipReader z(path);
    EXPECT_HAS(one_line_error(path, [&] { z.read(z.entries()[0], 100); }),
               "local header offset 4000000 is past the start of the central directory");
  }

  ZipBuilder huge;
  huge.add("bomb", "hello", 8);
  huge.entries()[0].size = 4'000'000'000u;
  path = write_zip(t, huge.bytes(), "bomb.zip");
  {
    const ZipReader z(path);
    EXPECT_HAS(one_line_error(path, [&] { z.read(z.entries()[0], int64_t{8} << 30); }),
               "cannot inflate to the 4000000000 announced");
  }

  ZipBuilder renamed;
  renamed.add("real-name", "hello", 0);
  renamed.entries()[0].name = "other-name";
  path = write_zip(t, renamed.bytes(), "renamed.zip");
  {
    const ZipReader z(path);
    EXPECT_HAS(one_line_error(path, [&] { z.read(z.entries()[0], 100); }),
               "its local header names 'real-name'");
  }
}

TEST(ZipReader, RefusesZip64EncryptionOtherMethodsAndOversizedEntries) {
  TempDir t;
  ZipBuilder zb;
  zb.add("big", noise(1000, 5), 0);
  zb.add_raw("secret", "xxxxxxxxxxxx", 8, 0, 12, /*flags=*/0x1);
  zb.add_raw("bzip2", "BZh9", 12, 0, 4);
  zb.add("z64", "data", 0);
  zb.entries()[3].local_offset = 0xFFFFFFFF;
  const std::string path = write_zip(t, zb.bytes());
  const ZipReader zip(path);
  auto err = [&](const char* name, int64_t max) {
    return one_line_error(path, [&] { zip.read(*zip.find(name), max); });
  };
  EXPECT_HAS(err("big", 999), "entry 'big' is 1000 bytes, more than the 999 bytes allowed");
  EXPECT_EQ(zip.read(*zip.find("big"), 1000).size(), 1000u);
  EXPECT_HAS(err("secret", 100), "entry 'secret' is encrypted; encrypted zip entries are not");
  EXPECT_HAS(err("bzip2", 100), "compression method 12 is not supported");
  EXPECT_HAS(err("z64", 100), "zip64 entries (4 GiB and more) are not supported");

  ZipBuilder::End end;
  end.entry_count = 0xFFFF;
  std::string p = write_zip(t, zb.bytes(end), "zip64.zip");
  EXPECT_HAS(one_line_error(p, [&] { ZipReader z(p); }), "zip64 archives are not supported");
  end = {};
  end.disk = 1;
  p = write_zip(t, zb.bytes(end), "spanned.zip");
  EXPECT_HAS(one_line_error(p, [&] { ZipReader z(p); }), "spanned (multi-part) zip archives");
}

}  // namespace
}  // namespace inkstone
