#include "legion/core/vector_store.hpp"

#include <algorithm>
#include <numeric>
#include <stdexcept>

namespace legion::core {

void VectorStore::add(std::vector<std::string> documents, const std::vector<std::vector<float>>& embeddings) {
  if (documents.size() != embeddings.size())
    throw std::invalid_argument("vector store: " + std::to_string(documents.size()) + " documents but " +
                                std::to_string(embeddings.size()) + " embeddings");
  if (documents.empty()) return;
  const auto dimensions = static_cast<Eigen::Index>(embeddings.front().size());
  if (dimensions == 0 || (vectors_.rows() > 0 && vectors_.cols() != dimensions))
    throw std::invalid_argument("vector store: embeddings of dimension " + std::to_string(dimensions) + " do not fit the store's " +
                                std::to_string(vectors_.cols()));
  const auto first = vectors_.rows();
  vectors_.conservativeResize(first + static_cast<Eigen::Index>(embeddings.size()), dimensions);
  for (std::size_t i = 0; i < embeddings.size(); ++i) {
    if (static_cast<Eigen::Index>(embeddings[i].size()) != dimensions)
      throw std::invalid_argument("vector store: embedding " + std::to_string(i) + " has dimension " +
                                  std::to_string(embeddings[i].size()) + ", not " + std::to_string(dimensions));
    auto row = vectors_.row(first + static_cast<Eigen::Index>(i));
    row = Eigen::Map<const Eigen::RowVectorXf>(embeddings[i].data(), dimensions);
    if (const float norm = row.norm(); norm > 0) row /= norm;
  }
  for (auto& d : documents) documents_.push_back(std::move(d));
}

std::vector<const std::string*> VectorStore::search(const std::vector<float>& query, std::size_t k) const {
  if (documents_.empty() || k == 0) return {};
  if (static_cast<Eigen::Index>(query.size()) != vectors_.cols())
    throw std::invalid_argument("vector store: a query of dimension " + std::to_string(query.size()) + " for a store of " +
                                std::to_string(vectors_.cols()));
  const Eigen::VectorXf scores = vectors_ * Eigen::Map<const Eigen::VectorXf>(query.data(), vectors_.cols());
  std::vector<std::size_t> order(documents_.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  k = std::min(k, order.size());
  // The query's own length scales every score alike, so it needs no normalising.
  std::partial_sort(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(k), order.end(), [&](std::size_t a, std::size_t b) {
    return scores[static_cast<Eigen::Index>(a)] > scores[static_cast<Eigen::Index>(b)] ||
           (scores[static_cast<Eigen::Index>(a)] == scores[static_cast<Eigen::Index>(b)] && a < b);
  });
  std::vector<const std::string*> out;
  for (std::size_t i = 0; i < k; ++i) out.push_back(&documents_[order[i]]);
  return out;
}

}  // namespace legion::core
