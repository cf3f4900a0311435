#pragma once
// The steps of write_file_atomically, for files that another program writes (internal to the report
// library).
#include <filesystem>

namespace legion::report {

// Where `file` is written before it is complete: beside it (so the rename stays on one file
// system), named by the process so that two writers never share one. Temporaries of `file` left by
// processes that are gone (killed outright mid-write) are removed first.
std::filesystem::path temporary_file_for(const std::filesystem::path& file);

// Makes the complete `tmp` the file `file`: flushes it to disk, renames it over `file` and flushes
// the folder, so that after a crash the folder holds the old file or the new one, whole. On failure
// `tmp` is removed and the exception names `file` and the system's reason.
void commit_file(const std::filesystem::path& tmp, const std::filesystem::path& file);

}  // namespace legion::report
