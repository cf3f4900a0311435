#pragma once
// A small blocking Redis client speaking RESP2 over a loopback TCP socket: enough for Redis
// Streams (XADD, XGROUP, XREADGROUP, XACK, XAUTOCLAIM, XPENDING, XLEN) in the scalability and
// failure suites. One connection per thread; every call, connecting included, has a timeout; a
// broken connection throws RedisConnectionError and reconnect() opens a new one (a broker restart,
// a network partition healed).
#include <chrono>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace legion::bench::stress {

struct RedisConnectionError : std::runtime_error {
  using std::runtime_error::runtime_error;
};
struct RedisReplyError : std::runtime_error {  // the server answered -ERR ...
  using std::runtime_error::runtime_error;
};

struct Reply {
  enum class Type { status, error, integer, bulk, nil, array } type = Type::nil;
  std::string str;
  std::int64_t integer = 0;
  std::vector<Reply> elements;
  bool is_nil() const { return type == Type::nil; }
};

// Parses one reply from `buffer` at `pos`; false when the buffer does not hold a whole reply yet.
// Throws std::runtime_error on a malformed reply.
bool parse_reply(const std::string& buffer, std::size_t& pos, Reply& out);
// The command as RESP: an array of bulk strings.
std::string encode_command(const std::vector<std::string>& args);

class Redis {
 public:
  Redis(std::string host, int port, std::chrono::milliseconds timeout = std::chrono::milliseconds(2000));
  ~Redis();
  Redis(const Redis&) = delete;
  Redis& operator=(const Redis&) = delete;

  // Sends the command and waits for its reply (`extra_wait` beyond the timeout, for BLOCK).
  Reply command(const std::vector<std::string>& args, std::chrono::milliseconds extra_wait = std::chrono::milliseconds(0));
  // Sends every command in one write and reads their replies in order (one fsync for all of them
  // with appendfsync always). A -ERR reply comes back as a Reply of type error, not thrown.
  std::vector<Reply> pipeline(const std::vector<std::vector<std::string>>& commands);
  void reconnect();
  void close();

 private:
  void connect();
  void abort();
  void send_all(const std::string& data);
  Reply read_reply(std::chrono::steady_clock::time_point deadline);
  std::string host_;
  int port_;
  std::chrono::milliseconds timeout_;
  int fd_ = -1;
  std::string buffer_;
};

// True when nothing listens on 127.0.0.1:port and it can be bound.
bool port_free(int port);
// A port the kernel picks, free at the moment of asking.
int free_port();

}  // namespace legion::bench::stress
