#include "stress/resp.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace legion::bench::stress {

std::string encode_command(const std::vector<std::string>& args) {
  std::string out = "*" + std::to_string(args.size()) + "\r\n";
  for (const auto& a : args) out += "$" + std::to_string(a.size()) + "\r\n" + a + "\r\n";
  return out;
}

bool parse_reply(const std::string& b, std::size_t& pos, Reply& out) {
  if (pos >= b.size()) return false;
  const auto eol = b.find("\r\n", pos);
  if (eol == std::string::npos) return false;
  const char kind = b[pos];
  const std::string line = b.substr(pos + 1, eol - pos - 1);
  auto number = [&] {
    try {
      std::size_t used = 0;
      const auto v = std::stoll(line, &used);
      if (used != line.size()) throw std::invalid_argument(line);
      return v;
    } catch (const std::logic_error&) {
      throw std::runtime_error("malformed RESP reply: '" + line + "'");
    }
  };
  switch (kind) {
    case '+': out = {Reply::Type::status, line, 0, {}}; pos = eol + 2; return true;
    case '-': out = {Reply::Type::error, line, 0, {}}; pos = eol + 2; return true;
    case ':': out = {Reply::Type::integer, {}, number(), {}}; pos = eol + 2; return true;
    case '$': {
      const auto n = number();
      if (n < 0) {
        out = {};
        pos = eol + 2;
        return true;
      }
      if (b.size() < eol + 2 + static_cast<std::size_t>(n) + 2) return false;
      out = {Reply::Type::bulk, b.substr(eol + 2, static_cast<std::size_t>(n)), 0, {}};
      pos = eol + 2 + static_cast<std::size_t>(n) + 2;
      return true;
    }
    case '*': {
      const auto n = number();
      std::size_t p = eol + 2;
      Reply r{n < 0 ? Reply::Type::nil : Reply::Type::array, {}, 0, {}};
      for (std::int64_t i = 0; i < n; ++i) {
        Reply e;
        if (!parse_reply(b, p, e)) return false;
        r.elements.push_back(std::move(e));
      }
      out = std::move(r);
      pos = p;
      return true;
    }
    default: throw std::runtime_error(std::string("malformed RESP reply: type byte '") + kind + "'");
  }
}

Redis::Redis(std::string host, int port, std::chrono::milliseconds timeout) : host_(std::move(host)), port_(port), timeout_(timeout) {
  connect();
}
Redis::~Redis() { close(); }

void Redis::close() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  buffer_.clear();
}

// After a timeout or a broken connection: reset it rather than close it, so that a command still in
// the send buffer is not delivered after the client gave up on it (a link that comes back).
void Redis::abort() {
  if (fd_ >= 0) {
    const linger reset{1, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_LINGER, &reset, sizeof reset);
  }
  close();
}

void Redis::connect() {
  close();
  fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd_ < 0) throw RedisConnectionError(std::string("socket: ") + std::strerror(errno));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(port_));
  if (::inet_pton(AF_INET, host_.c_str(), &addr.sin_addr) != 1) throw RedisConnectionError("not an IPv4 address: " + host_);
  // Non-blocking, so that a broker behind a link that is down is given up after the timeout
  // instead of the kernel's two minutes of SYN retries.
  const int flags = ::fcntl(fd_, F_GETFL);
  ::fcntl(fd_, F_SETFL, flags | O_NONBLOCK);
  int error = ::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 ? 0 : errno;
  if (error == EINPROGRESS) {
    pollfd p{fd_, POLLOUT, 0};
    int ready = 0;
    const auto deadline = std::chrono::steady_clock::now() + timeout_;
    do {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()).count();
      ready = ::poll(&p, 1, static_cast<int>(std::max<long long>(0, left)));
    } while (ready < 0 && errno == EINTR);
    socklen_t len = sizeof error;
    if (ready == 0) error = ETIMEDOUT;
    else if (ready < 0 || ::getsockopt(fd_, SOL_SOCKET, SO_ERROR, &error, &len) != 0) error = errno;
  }
  if (error != 0) {
    close();
    throw RedisConnectionError("redis " + host_ + ":" + std::to_string(port_) + ": " + std::strerror(error));
  }
  ::fcntl(fd_, F_SETFL, flags);
  int one = 1;
  ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

void Redis::reconnect() { connect(); }

void Redis::send_all(const std::string& request) {
  if (fd_ < 0) connect();
  std::size_t sent = 0;
  while (sent < request.size()) {
    const auto n = ::send(fd_, request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      abort();
      throw RedisConnectionError("redis: send: " + std::string(std::strerror(errno)));
    }
    sent += static_cast<std::size_t>(n);
  }
}

Reply Redis::read_reply(std::chrono::steady_clock::time_point deadline) {
  for (;;) {
    std::size_t pos = 0;
    Reply reply;
    if (parse_reply(buffer_, pos, reply)) {
      buffer_.erase(0, pos);
      return reply;
    }
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()).count();
    if (left <= 0) {
      abort();
      throw RedisConnectionError("redis: no reply in time");
    }
    pollfd p{fd_, POLLIN, 0};
    const int r = ::poll(&p, 1, static_cast<int>(left));
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) continue;
    char chunk[16384];
    const auto n = ::recv(fd_, chunk, sizeof chunk, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      abort();
      throw RedisConnectionError("redis: connection closed");
    }
    buffer_.append(chunk, static_cast<std::size_t>(n));
  }
}

Reply Redis::command(const std::vector<std::string>& args, std::chrono::milliseconds extra_wait) {
  send_all(encode_command(args));
  auto reply = read_reply(std::chrono::steady_clock::now() + timeout_ + extra_wait);
  if (reply.type == Reply::Type::error) throw RedisReplyError(reply.str);
  return reply;
}

std::vector<Reply> Redis::pipeline(const std::vector<std::vector<std::string>>& commands) {
  std::string request;
  for (const auto& c : commands) request += encode_command(c);
  send_all(request);
  std::vector<Reply> out;
  const auto deadline = std::chrono::steady_clock::now() + timeout_;
  for (std::size_t i = 0; i < commands.size(); ++i) out.push_back(read_reply(deadline));
  return out;
}

bool port_free(int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  const bool ok = ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  ::close(fd);
  return ok;
}

int free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return ntohs(addr.sin_port);
}

}  // namespace legion::bench::stress
