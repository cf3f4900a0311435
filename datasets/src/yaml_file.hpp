#pragma once
// One validation style for every file under datasets/: a YAML file whose problems are reported as
// DatasetError "file:line:column: what".
#include <yaml-cpp/yaml.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <initializer_list>
#include <string>

#include "legion/core/utf8.hpp"
#include "legion/datasets/files.hpp"

namespace legion::datasets {

class YamlFile {
 public:
  // Reads `file`; `kind` names it in errors ("scenario file", "dialect file", ...).
  YamlFile(std::filesystem::path file, const std::string& kind) : file_(std::move(file)) {
    const std::string content = read_capped(kind);
    // Every text ends up in JSON, which holds UTF-8 only.
    if (auto bad = core::first_invalid_utf8(content); bad != std::string::npos) {
      auto line_start = content.rfind('\n', bad == 0 ? 0 : bad - 1);
      line_start = line_start == std::string::npos || bad == 0 ? 0 : line_start + 1;
      YAML::Mark mark;
      mark.line = static_cast<int>(std::count(content.begin(), content.begin() + static_cast<std::ptrdiff_t>(bad), '\n'));
      mark.column = static_cast<int>(bad - line_start);
      char byte[8];
      std::snprintf(byte, sizeof byte, "0x%02X", static_cast<unsigned char>(content[bad]));
      fail(mark, std::string("not UTF-8 text (byte ") + byte + ")");
    }
    try {
      root_ = YAML::Load(content);
    } catch (const YAML::Exception& e) {
      fail(e.mark, "invalid YAML: " + e.msg);
    }
  }

  // A file read and parsed before (ScenarioSource), for its errors' file name.
  YamlFile(std::filesystem::path file, YAML::Node root) : file_(std::move(file)), root_(std::move(root)) {}

  // These files are written by hand, with `repeat` for bulk: the largest shipped is 27 KB.
  static constexpr std::size_t kMaxFileBytes = std::size_t{1} << 20;

  const YAML::Node& root() const { return root_; }
  const std::filesystem::path& file() const { return file_; }

  [[noreturn]] void fail(const YAML::Node& node, const std::string& what) const { fail(node.Mark(), what); }
  [[noreturn]] void fail(const YAML::Mark& mark, const std::string& what) const {
    std::string where = file_.string();
    if (!mark.is_null()) where += ":" + std::to_string(mark.line + 1) + ":" + std::to_string(mark.column + 1);
    throw DatasetError(where + ": " + what);
  }

  YAML::Node require(const YAML::Node& map, const char* key, const std::string& context) const {
    auto node = map[key];
    if (!node) fail(map, context + " needs '" + key + "'");
    return node;
  }

  void only_keys(const YAML::Node& map, std::initializer_list<const char*> allowed, const std::string& context) const {
    if (!map.IsMap()) fail(map, context + " must be a mapping");
    for (const auto& kv : map) {
      auto key = kv.first.as<std::string>();
      if (std::none_of(allowed.begin(), allowed.end(), [&](const char* a) { return key == a; })) {
        std::string list;
        for (auto a : allowed) list += std::string(list.empty() ? "" : ", ") + a;
        fail(kv.first, "unknown key '" + key + "' in " + context + " (expected one of: " + list + ")");
      }
    }
  }

  std::string text(const YAML::Node& node, const std::string& context) const {
    if (!node.IsScalar()) fail(node, context + " must be a text value");
    return node.as<std::string>();
  }

 private:
  // The file's bytes, at most kMaxFileBytes of them, from a regular file only: a directory, a
  // device such as /dev/zero or a pipe is refused before anything is read.
  std::string read_capped(const std::string& kind) const {
    const auto cannot = [&](const std::string& why) { return DatasetError(file_.string() + ": cannot read " + kind + ": " + why); };
    const int fd = ::open(file_.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    if (fd < 0) throw DatasetError(file_.string() + ": cannot open " + kind + ": " + std::strerror(errno));
    const struct Closer {
      int fd;
      ~Closer() { ::close(fd); }
    } closer{fd};
    struct stat st {};
    if (::fstat(fd, &st) != 0) throw cannot(std::strerror(errno));
    if (S_ISDIR(st.st_mode)) throw cannot("it is a directory");
    if (!S_ISREG(st.st_mode)) throw cannot("not a regular file");
    const auto too_large = [&] { return cannot("larger than the limit of " + std::to_string(kMaxFileBytes) + " bytes (1 MiB)"); };
    if (static_cast<std::uint64_t>(st.st_size) > kMaxFileBytes) throw too_large();
    std::string content(kMaxFileBytes + 1, '\0');  // one byte more shows a file that grew past the limit
    std::size_t size = 0;
    while (size < content.size()) {
      const auto n = ::read(fd, content.data() + size, content.size() - size);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) throw cannot(std::strerror(errno));
      if (n == 0) break;
      size += static_cast<std::size_t>(n);
    }
    if (size > kMaxFileBytes) throw too_large();
    content.resize(size);
    return content;
  }

  std::filesystem::path file_;
  YAML::Node root_;
};

}  // namespace legion::datasets
