// The loopback floor: two threads exchange 512-byte messages over TCP on 127.0.0.1
// (TCP_NODELAY, blocking sockets) and the round trip's median and p99 are printed. No HTTP
// client and server pair on the machine can answer faster than this; docs/performance.md
// sets the engine's overhead per call against it.
// Usage: legion-loopback-pingpong [ROUNDS]
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

namespace {

constexpr std::size_t kSize = 512;

// Writes or reads exactly kSize bytes; a short exchange means the peer is gone.
template <typename Io>
void exactly(int fd, char* bytes, Io io) {
  for (std::size_t done = 0; done < kSize;) {
    const auto n = io(fd, bytes + done, kSize - done);
    if (n <= 0) {
      std::perror("legion-loopback-pingpong");
      std::exit(1);
    }
    done += static_cast<std::size_t>(n);
  }
}
void send_all(int fd, char* b) { exactly(fd, b, [](int f, char* p, std::size_t n) { return ::write(f, p, n); }); }
void receive_all(int fd, char* b) { exactly(fd, b, [](int f, char* p, std::size_t n) { return ::read(f, p, n); }); }

void no_delay(int fd) {
  const int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

}  // namespace

int main(int argc, char** argv) {
  const long rounds = argc > 1 ? std::strtol(argv[1], nullptr, 10) : 50'000;
  if (rounds < 100 || rounds > 10'000'000) {
    std::fprintf(stderr, "legion-loopback-pingpong: ROUNDS must be between 100 and 10000000\n");
    return 2;
  }
  const int listener = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof address;
  if (::bind(listener, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 || ::listen(listener, 1) != 0 ||
      ::getsockname(listener, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    std::perror("legion-loopback-pingpong: listen");
    return 1;
  }
  std::jthread echo([&] {
    const int peer = ::accept(listener, nullptr, nullptr);
    no_delay(peer);
    std::array<char, kSize> bytes{};
    for (long i = 0; i < rounds; ++i) {
      receive_all(peer, bytes.data());
      send_all(peer, bytes.data());
    }
    ::close(peer);
  });
  const int client = ::socket(AF_INET, SOCK_STREAM, 0);
  if (::connect(client, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
    std::perror("legion-loopback-pingpong: connect");
    return 1;
  }
  no_delay(client);
  std::array<char, kSize> bytes{};
  bytes.fill('x');
  std::vector<double> micros(static_cast<std::size_t>(rounds));
  for (auto& m : micros) {
    const auto start = std::chrono::steady_clock::now();
    send_all(client, bytes.data());
    receive_all(client, bytes.data());
    m = std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - start).count();
  }
  std::sort(micros.begin(), micros.end());
  std::printf("loopback %zu-byte round trip: median %.1f us, p99 %.1f us (%ld rounds)\n", kSize, micros[micros.size() / 2],
              micros[micros.size() * 99 / 100], rounds);
  ::close(client);
  ::close(listener);
}
