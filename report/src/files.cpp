// Writing a report file so that no reader ever sees half of it.
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "legion/report/reporters.hpp"

namespace legion::report {

void write_file_atomically(const std::filesystem::path& file, const std::string& content) {
  auto tmp = file;
  tmp += ".tmp" + std::to_string(::getpid());
  // On any failure the temporary file goes, so nothing half-written is left to be taken for a result.
  auto fail = [&](const std::string& what) {
    const int error = errno;
    ::unlink(tmp.c_str());
    throw std::runtime_error("cannot write " + file.string() + ": " + what + ": " + std::strerror(error));
  };
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) {
    const int error = errno;
    throw std::runtime_error("cannot write " + file.string() + ": cannot create " + tmp.string() + ": " + std::strerror(error));
  }
  for (std::size_t done = 0; done < content.size();) {
    auto n = ::write(fd, content.data() + done, content.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      if (n == 0) errno = ENOSPC;
      ::close(fd);
      fail("writing " + tmp.filename().string());
    }
    done += static_cast<std::size_t>(n);
  }
  if (::fsync(fd) != 0) {
    ::close(fd);
    fail("flushing " + tmp.filename().string());
  }
  if (::close(fd) != 0) fail("closing " + tmp.filename().string());
  if (::rename(tmp.c_str(), file.c_str()) != 0) fail("renaming " + tmp.filename().string());
}
}  // namespace legion::report
