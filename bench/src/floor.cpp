#include "floor.hpp"

#include <arpa/inet.h>
#include <pthread.h>
#include <sched.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace legion::bench {
namespace {

[[noreturn]] void fail(const char* what) { throw std::runtime_error(std::string("floor probe: ") + what + ": " + std::strerror(errno)); }

// A socket descriptor that closes itself.
struct Socket {
  int fd = -1;
  explicit Socket(int f) : fd(f) {
    if (fd < 0) fail("socket");
  }
  Socket(const Socket&) = delete;
  Socket& operator=(const Socket&) = delete;
  ~Socket() {
    if (fd >= 0) ::close(fd);
  }
};

void no_delay(int fd) {
  const int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

bool send_all(int fd, const char* bytes, std::size_t size) {
  for (std::size_t done = 0; done < size;) {
    const auto n = ::send(fd, bytes + done, size - done, MSG_NOSIGNAL);
    if (n <= 0) return false;
    done += static_cast<std::size_t>(n);
  }
  return true;
}

bool receive_all(int fd, char* bytes, std::size_t size) {
  for (std::size_t done = 0; done < size;) {
    const auto n = ::recv(fd, bytes + done, size - done, 0);
    if (n <= 0) return false;
    done += static_cast<std::size_t>(n);
  }
  return true;
}

// A listener on an ephemeral loopback port and a client connected to it; `serve` runs on its own
// thread with the accepted peer, while `exchange` is timed `exchanges` times on this one.
// Pins the calling thread to `cpu` (nothing when cpu < 0); false when it cannot.
bool pin_to(int cpu) {
  if (cpu < 0) return true;
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu, &set);
  return ::pthread_setaffinity_np(::pthread_self(), sizeof set, &set) == 0;
}

// Restores the calling thread's CPUs when the probe ends.
class KeepAffinity {
 public:
  KeepAffinity() { ::pthread_getaffinity_np(::pthread_self(), sizeof saved_, &saved_); }
  ~KeepAffinity() { ::pthread_setaffinity_np(::pthread_self(), sizeof saved_, &saved_); }

 private:
  cpu_set_t saved_{};
};

template <typename Serve, typename Exchange>
FloorProbeResult probe(int exchanges, Placement placement, Serve serve, Exchange exchange) {
  if (exchanges < 1) throw std::invalid_argument("floor probe: exchanges must be at least 1");
  KeepAffinity restored;
  const int cpu = placement == Placement::one_cpu ? ::sched_getcpu() : -1;
  if (!pin_to(cpu)) throw std::runtime_error("floor probe: cannot pin to CPU " + std::to_string(cpu));
  Socket listener(::socket(AF_INET, SOCK_STREAM, 0));
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof address;
  if (::bind(listener.fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 || ::listen(listener.fd, 1) != 0 ||
      ::getsockname(listener.fd, reinterpret_cast<sockaddr*>(&address), &length) != 0)
    fail("listen");
  std::jthread server([&] {
    pin_to(cpu);  // the caller's thread could, so this one can
    const int peer = ::accept(listener.fd, nullptr, nullptr);
    if (peer < 0) return;
    no_delay(peer);
    serve(peer);
    ::close(peer);
  });
  Socket client(::socket(AF_INET, SOCK_STREAM, 0));
  if (::connect(client.fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
    ::shutdown(listener.fd, SHUT_RDWR);  // the server thread's accept returns
    fail("connect");
  }
  no_delay(client.fd);
  std::vector<double> micros(static_cast<std::size_t>(exchanges));
  for (auto& m : micros) {
    const auto start = std::chrono::steady_clock::now();
    if (!exchange(client.fd)) fail("exchange");
    m = std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - start).count();
  }
  ::shutdown(client.fd, SHUT_WR);  // the server's next read sees the end and it returns
  server.join();
  std::sort(micros.begin(), micros.end());
  return {micros[micros.size() / 2], micros[micros.size() * 99 / 100], exchanges};
}

}  // namespace

FloorProbeResult loopback_round_trip(int exchanges, Placement placement, std::size_t bytes) {
  return probe(
      exchanges, placement,
      [bytes](int peer) {
        std::vector<char> buffer(bytes);
        while (receive_all(peer, buffer.data(), bytes) && send_all(peer, buffer.data(), bytes)) {}
      },
      [message = std::vector<char>(bytes, 'x')](int fd) mutable {
        return send_all(fd, message.data(), message.size()) && receive_all(fd, message.data(), message.size());
      });
}

FloorProbeResult no_work_http_exchange(int exchanges, Placement placement, std::size_t body_bytes) {
  const std::string body = "{\"messages\":\"" + std::string(body_bytes > 16 ? body_bytes - 16 : 0, 'x') + "\"}";
  const std::string request = "POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                              "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
  constexpr std::string_view kAnswer = "{\"choices\":[{\"message\":{\"role\":\"assistant\",\"content\":\"ok\"}}]}";
  const std::string response = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " +
                               std::to_string(kAnswer.size()) + "\r\n\r\n" + std::string(kAnswer);
  return probe(
      exchanges, placement,
      // Each side reads through its own socket buffer, as an HTTP stack does, and knows the other's
      // message length in advance: no parsing, which is the work it leaves out.
      [&](int peer) {
        std::vector<char> buffer(request.size());
        while (receive_all(peer, buffer.data(), buffer.size()) && send_all(peer, response.data(), response.size())) {}
      },
      [&, buffer = std::vector<char>(response.size())](int fd) mutable {
        return send_all(fd, request.data(), request.size()) && receive_all(fd, buffer.data(), buffer.size());
      });
}

}  // namespace legion::bench
