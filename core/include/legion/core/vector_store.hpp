#pragma once
// VectorStore: the native engine's vector recall. Documents are kept with their embeddings
// (fetched from the model server's /v1/embeddings by the engine) as the rows of one matrix, each
// scaled to unit length, so that a query's cosine similarity to every document is one
// matrix-vector product.
#include <Eigen/Core>
#include <cstddef>
#include <string>
#include <vector>

namespace legion::core {

class VectorStore {
 public:
  // Adds documents with their embeddings (one per document, all of one dimension). Throws
  // std::invalid_argument when the counts or dimensions disagree.
  void add(std::vector<std::string> documents, const std::vector<std::vector<float>>& embeddings);
  // The k documents most similar to the query (cosine), most similar first; ties keep the order
  // in which documents were added.
  std::vector<const std::string*> search(const std::vector<float>& query, std::size_t k) const;
  std::size_t size() const { return documents_.size(); }

 private:
  std::vector<std::string> documents_;
  Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> vectors_;  // one unit row per document
};

}  // namespace legion::core
