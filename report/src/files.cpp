// Writing a report file so that no reader ever sees half of it.
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "files.hpp"
#include "legion/report/reporters.hpp"

namespace legion::report {
namespace {

// Removes the temporary file, so that nothing half-written is left to be taken for a result, and
// throws with the file and the system's reason.
[[noreturn]] void give_up(const std::filesystem::path& file, const std::filesystem::path& tmp, const std::string& what, int error) {
  ::unlink(tmp.c_str());
  throw std::runtime_error("cannot write " + file.string() + ": " + what + ": " + std::strerror(error));
}

// Temporary copies of `file` left by writers that were killed outright (NAME.tmpPID whose process
// is gone) are removed: nothing half-written outlives the run that wrote it.
void remove_stale_temporaries(const std::filesystem::path& file) {
  const auto prefix = file.filename().string() + ".tmp";
  std::error_code ignored;
  const auto folder = file.has_parent_path() ? file.parent_path() : std::filesystem::path(".");
  for (const auto& entry : std::filesystem::directory_iterator(folder, ignored)) {
    const auto name = entry.path().filename().string();
    if (!name.starts_with(prefix) || name.size() == prefix.size() || name.size() > prefix.size() + 9) continue;
    const auto digits = name.substr(prefix.size());
    if (digits.find_first_not_of("0123456789") != std::string::npos) continue;
    const auto pid = static_cast<pid_t>(std::stol(digits));
    if (pid != ::getpid() && ::kill(pid, 0) != 0 && errno == ESRCH) std::filesystem::remove(entry.path(), ignored);
  }
}

}  // namespace

std::filesystem::path temporary_file_for(const std::filesystem::path& file) {
  remove_stale_temporaries(file);
  auto tmp = file;
  tmp += ".tmp" + std::to_string(::getpid());
  return tmp;
}

void commit_file(const std::filesystem::path& tmp, const std::filesystem::path& file) {
  const auto name = tmp.filename().string();
  int fd = ::open(tmp.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) give_up(file, tmp, "opening " + name, errno);
  if (::fsync(fd) != 0) {
    const int error = errno;
    ::close(fd);
    give_up(file, tmp, "flushing " + name, error);
  }
  ::close(fd);
  if (::rename(tmp.c_str(), file.c_str()) != 0) give_up(file, tmp, "renaming " + name, errno);
  // The rename is durable only once the folder that records it is flushed too.
  const auto dir = file.has_parent_path() ? file.parent_path() : std::filesystem::path(".");
  int dir_fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir_fd < 0 || ::fsync(dir_fd) != 0) {
    const int error = errno;
    if (dir_fd >= 0) ::close(dir_fd);
    throw std::runtime_error("cannot write " + file.string() + ": flushing its folder: " + std::strerror(error));
  }
  ::close(dir_fd);
}

void write_file_atomically(const std::filesystem::path& file, const std::string& content) {
  const auto tmp = temporary_file_for(file);
  const auto name = tmp.filename().string();
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) {
    const int error = errno;
    throw std::runtime_error("cannot write " + file.string() + ": cannot create " + tmp.string() + ": " + std::strerror(error));
  }
  for (std::size_t done = 0; done < content.size();) {
    auto n = ::write(fd, content.data() + done, content.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      const int error = n == 0 ? ENOSPC : errno;
      ::close(fd);
      give_up(file, tmp, "writing " + name, error);
    }
    done += static_cast<std::size_t>(n);
  }
  if (::fsync(fd) != 0) {
    const int error = errno;
    ::close(fd);
    give_up(file, tmp, "flushing " + name, error);
  }
  if (::close(fd) != 0) give_up(file, tmp, "closing " + name, errno);
  commit_file(tmp, file);
}
}  // namespace legion::report
