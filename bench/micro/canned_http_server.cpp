// A loopback HTTP server that does no work: every read is answered with one fixed response.
// It is the ceiling against which the model server's capacity is judged (docs/performance.md):
// whatever requests/s wrk gets from it on a machine, no real server gets more there.
// Usage: legion-canned-http PORT [THREADS]   (one epoll loop per thread, SO_REUSEPORT)
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <charconv>
#include <cstdio>
#include <cstring>
#include <string_view>
#include <thread>
#include <vector>

namespace {

constexpr std::string_view kResponse =
    "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}";

int listen_on(int port) {
  int s = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
  int one = 1;
  ::setsockopt(s, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one);
  ::setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);  // loopback only, like the model server
  address.sin_port = htons(static_cast<std::uint16_t>(port));
  if (::bind(s, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 || ::listen(s, 4096) != 0) {
    std::perror("legion-canned-http: bind/listen");
    std::exit(1);
  }
  return s;
}

// Non-pipelined clients send one request per write, so one read is one request.
void serve(int port) {
  const int listener = listen_on(port);
  const int loop = ::epoll_create1(0);
  epoll_event event{EPOLLIN, {.fd = listener}};
  ::epoll_ctl(loop, EPOLL_CTL_ADD, listener, &event);
  std::vector<epoll_event> ready(256);
  std::vector<char> buffer(1 << 16);
  const int one = 1;
  for (;;) {
    const int n = ::epoll_wait(loop, ready.data(), static_cast<int>(ready.size()), -1);
    for (int i = 0; i < n; ++i) {
      const int fd = ready[i].data.fd;
      if (fd == listener) {
        for (int client; (client = ::accept4(listener, nullptr, nullptr, SOCK_NONBLOCK)) >= 0;) {
          ::setsockopt(client, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
          epoll_event client_event{EPOLLIN, {.fd = client}};
          ::epoll_ctl(loop, EPOLL_CTL_ADD, client, &client_event);
        }
      } else if (::read(fd, buffer.data(), buffer.size()) <= 0 ||
                 ::write(fd, kResponse.data(), kResponse.size()) < 0) {
        ::close(fd);
      }
    }
  }
}

int parse_or_exit(const char* text, const char* what) {
  int value = 0;
  const auto end = text + std::strlen(text);
  if (auto [p, ec] = std::from_chars(text, end, value); ec != std::errc{} || p != end || value <= 0) {
    std::fprintf(stderr, "legion-canned-http: %s must be a positive integer, got '%s'\n", what, text);
    std::exit(2);
  }
  return value;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2 || argc > 3) {
    std::fprintf(stderr, "usage: legion-canned-http PORT [THREADS]\n");
    return 2;
  }
  const int port = parse_or_exit(argv[1], "PORT");
  const int threads = argc == 3 ? parse_or_exit(argv[2], "THREADS") : 2;
  std::printf("legion-canned-http: answering every request with a fixed response at http://127.0.0.1:%d/ on %d threads\n",
              port, threads);
  std::fflush(stdout);
  std::vector<std::jthread> loops;
  for (int i = 1; i < threads; ++i) loops.emplace_back(serve, port);
  serve(port);
}
