#include "legion/datasets/prompts.hpp"

#include "yaml_file.hpp"

namespace legion::datasets {

const std::map<std::string, std::string>& shared_prompts() {
  static const auto prompts = [] {
    YamlFile f(datasets_dir() / "prompts.yaml", "prompts file");
    f.only_keys(f.root(), {"propose", "vote", "decide", "aggregate", "proposals", "votes", "item", "select_speaker", "candidate"},
                "the prompts file");
    std::map<std::string, std::string> out;
    for (const char* key : {"propose", "vote", "decide", "aggregate", "proposals", "votes", "item", "select_speaker", "candidate"})
      out[key] = f.text(f.require(f.root(), key, "the prompts file"), std::string("prompt '") + key + "'");
    return out;
  }();
  return prompts;
}

}  // namespace legion::datasets
