#pragma once
// The engine's graph: nodes over a state, edges between them, run in supersteps. Every
// coordination pattern is one such graph (core/src/engine.cpp builds them), and the zero-I/O
// benchmarks (bench/micro) run the same executor with trivial nodes.
//
// A step runs every node of the frontier; the next frontier is the union of their successors, so
// a node with several predecessors in one step (the join after a fan-out) runs once, after all of
// them. When the frontier holds more than one node and some are asynchronous, they run
// concurrently on the event loop; synchronous nodes run inline and never suspend.
#include <cstddef>
#include <functional>
#include <limits>
#include <stdexcept>
#include <string>
#include <vector>

#include "legion/core/event_loop.hpp"

namespace legion::core {

using NodeId = std::size_t;
inline constexpr NodeId kEnd = std::numeric_limits<NodeId>::max();

template <class State>
class CompiledGraph;

template <class State>
class Graph {
 public:
  using SyncNode = std::function<void(State&)>;
  using AsyncNode = std::function<Async<void>(State&)>;
  using Router = std::function<NodeId(const State&)>;  // the next node, or kEnd

  NodeId add_node(std::string name, SyncNode run) { return add({std::move(name), std::move(run), {}, {}, {}}); }
  NodeId add_async_node(std::string name, AsyncNode run) { return add({std::move(name), {}, std::move(run), {}, {}}); }
  // `from` is followed by `to` (kEnd: nothing). Several edges from one node fan out.
  void add_edge(NodeId from, NodeId to) { node(from).next.push_back(to); }
  // `from` is followed by the node `route` names after `from` has run (kEnd: nothing).
  void add_router(NodeId from, Router route) { node(from).route = std::move(route); }
  // The nodes of the first step (several: they start concurrently).
  void add_entry(NodeId entry) { entries_.push_back(entry); }

  // Checks that every edge names a node and every node can be reached from the entry.
  // `max_steps` bounds a run (a routing loop that never ends is an error, not a hang).
  CompiledGraph<State> compile(std::size_t max_steps = 10000) &&;

 private:
  friend class CompiledGraph<State>;
  struct Node {
    std::string name;
    SyncNode sync;
    AsyncNode async;
    std::vector<NodeId> next;
    Router route;
  };
  NodeId add(Node n) {
    nodes_.push_back(std::move(n));
    return nodes_.size() - 1;
  }
  Node& node(NodeId id) {
    if (id >= nodes_.size()) throw std::invalid_argument("graph: no node " + std::to_string(id));
    return nodes_[id];
  }
  std::vector<Node> nodes_;
  std::vector<NodeId> entries_;
};

// Immutable once compiled: one graph serves any number of concurrent runs, each with its own state.
template <class State>
class CompiledGraph {
 public:
  // Runs the graph on `state` from the entry until no node follows.
  Async<void> run(State& state) const {
    std::vector<NodeId> frontier(entries_), next;
    std::vector<std::size_t> seen(nodes_.size(), 0);  // the step in which a node was last queued
    for (std::size_t step = 1; !frontier.empty(); ++step) {
      if (step > max_steps_) throw std::runtime_error("graph did not finish within " + std::to_string(max_steps_) + " steps");
      if (frontier.size() == 1 || !any_async(frontier)) {
        for (auto id : frontier) {
          const auto& n = nodes_[id];
          if (n.sync) n.sync(state);
          else co_await n.async(state);
        }
      } else {
        Join join(co_await asio::this_coro::executor);
        for (auto id : frontier) {
          const auto& n = nodes_[id];
          if (n.sync) n.sync(state);
          else join.spawn(n.async(state));
        }
        co_await join.wait();
      }
      next.clear();
      auto queue = [&](NodeId id) {
        if (id != kEnd && seen[id] != step) seen[id] = step, next.push_back(id);
      };
      for (auto id : frontier) {
        const auto& n = nodes_[id];
        for (auto to : n.next) queue(to);
        if (n.route) queue(checked(n.route(state), n.name));
      }
      frontier.swap(next);
    }
  }
  // Runs the graph on `state` on this thread (the zero-I/O path: a hot loop over one loop).
  void invoke(EventLoop& loop, State& state) const { loop.run(run(state)); }
  const std::string& name_of(NodeId id) const { return nodes_.at(id).name; }
  std::size_t size() const { return nodes_.size(); }

 private:
  friend class Graph<State>;
  using Node = typename Graph<State>::Node;
  bool any_async(const std::vector<NodeId>& ids) const {
    for (auto id : ids)
      if (!nodes_[id].sync) return true;
    return false;
  }
  NodeId checked(NodeId id, const std::string& from) const {
    if (id != kEnd && id >= nodes_.size())
      throw std::logic_error("graph: node '" + from + "' routed to unknown node " + std::to_string(id));
    return id;
  }
  std::vector<Node> nodes_;
  std::vector<NodeId> entries_;
  std::size_t max_steps_ = 0;
};

template <class State>
CompiledGraph<State> Graph<State>::compile(std::size_t max_steps) && {
  if (nodes_.empty()) throw std::invalid_argument("graph: no nodes");
  if (entries_.empty()) throw std::invalid_argument("graph: no entry");
  std::vector<bool> reached(nodes_.size(), false);
  std::vector<NodeId> todo;
  for (auto entry : entries_) {
    if (entry >= nodes_.size()) throw std::invalid_argument("graph: an entry is not a node");
    if (!reached[entry]) reached[entry] = true, todo.push_back(entry);
  }
  while (!todo.empty()) {
    auto id = todo.back();
    todo.pop_back();
    for (auto to : nodes_[id].next) {
      if (to == kEnd) continue;
      if (to >= nodes_.size())
        throw std::invalid_argument("graph: edge from '" + nodes_[id].name + "' to unknown node " + std::to_string(to));
      if (!reached[to]) reached[to] = true, todo.push_back(to);
    }
  }
  // A router may lead anywhere, so reachability is only decided without routers.
  bool any_router = false;
  for (const auto& n : nodes_) any_router = any_router || static_cast<bool>(n.route);
  for (NodeId id = 0; id < nodes_.size(); ++id) {
    if (!nodes_[id].sync && !nodes_[id].async) throw std::invalid_argument("graph: node '" + nodes_[id].name + "' does nothing");
    if (!reached[id] && !any_router) throw std::invalid_argument("graph: node '" + nodes_[id].name + "' cannot be reached");
  }
  CompiledGraph<State> g;
  g.nodes_ = std::move(nodes_);
  g.entries_ = std::move(entries_);
  g.max_steps_ = max_steps;
  return g;
}

}  // namespace legion::core
