#pragma once
// The native engine's event loop: agents, tools and model calls are C++20 coroutines on one
// Boost.Asio io_context, run by the thread that asks for a result. Nothing on a loop is touched by
// another thread while it runs, so the engine's state needs no locks and a model call costs no
// thread hand-off: the coroutine that sends a request is resumed on the thread that reads the
// answer from the socket.
#include <utility>  // Boost 1.74's asio/awaitable.hpp uses std::exchange without including it

#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <cstddef>
#include <exception>
#include <optional>
#include <stdexcept>

namespace legion::core {

namespace asio = boost::asio;
template <class T>
using Async = asio::awaitable<T>;

class EventLoop {
 public:
  EventLoop() : context_(1) {}  // one thread runs it at a time
  EventLoop(const EventLoop&) = delete;
  EventLoop& operator=(const EventLoop&) = delete;

  asio::io_context& context() { return context_; }
  asio::io_context::executor_type executor() { return context_.get_executor(); }

  // Runs `task` on this thread until it finishes, together with whatever else is on the loop
  // (other tasks spawned onto it, idle connections' housekeeping); rethrows what the task threw.
  template <class T>
  T run(Async<T> task) {
    std::optional<T> value;
    std::exception_ptr error;
    bool done = false;
    asio::co_spawn(context_, std::move(task), [&](std::exception_ptr e, T v) {
      error = e;
      if (!e) value.emplace(std::move(v));
      done = true;
    });
    drive(done);
    if (error) std::rethrow_exception(error);
    return std::move(*value);
  }
  void run(Async<void> task) {
    std::exception_ptr error;
    bool done = false;
    asio::co_spawn(context_, std::move(task), [&](std::exception_ptr e) {
      error = e;
      done = true;
    });
    drive(done);
    if (error) std::rethrow_exception(error);
  }

 private:
  void drive(const bool& done) {
    context_.restart();
    while (!done)
      if (context_.run_one() == 0 && !done) throw std::logic_error("event loop ran out of work before its task finished");
  }
  asio::io_context context_;
};

// A one-shot event on one loop: wait() returns once set() was called (at once if it already was).
class Signal {
 public:
  explicit Signal(const asio::any_io_executor& executor) : timer_(executor, asio::steady_timer::time_point::max()) {}
  Async<void> wait() {
    if (set_) co_return;
    boost::system::error_code ignored;
    co_await timer_.async_wait(asio::redirect_error(asio::use_awaitable, ignored));
  }
  void set() {
    set_ = true;
    timer_.cancel();
  }
  bool is_set() const { return set_; }

 private:
  asio::steady_timer timer_;
  bool set_ = false;
};

// Waits for coroutines started with spawn(); the first exception among them is rethrown by
// wait(), after every one of them has finished (they may refer to the waiter's state).
class Join {
 public:
  explicit Join(const asio::any_io_executor& executor) : executor_(executor), done_(executor) {}
  void spawn(Async<void> child) {
    ++running_;
    asio::co_spawn(executor_, std::move(child), [this](std::exception_ptr e) {
      if (e && !error_) error_ = e;
      if (--running_ == 0) done_.set();
    });
  }
  Async<void> wait() {
    if (running_ > 0) co_await done_.wait();
    if (error_) std::rethrow_exception(error_);
  }

 private:
  asio::any_io_executor executor_;
  Signal done_;
  std::size_t running_ = 0;
  std::exception_ptr error_;
};

}  // namespace legion::core
