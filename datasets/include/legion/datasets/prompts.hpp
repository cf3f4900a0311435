#pragma once
// The shared wording of the patterns (datasets/prompts.yaml), which every system receives with its
// task (TaskSpec::prompts) instead of each retyping it.
#include <map>
#include <string>

namespace legion::datasets {

// Loaded and checked once per process; DatasetError (file:line:column) on a bad file.
const std::map<std::string, std::string>& shared_prompts();

}  // namespace legion::datasets
