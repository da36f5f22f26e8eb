#include "cli/up/up_paths.h"

#include <random>

#include <sys/stat.h>

#include "base/file.h"

namespace tessera::cli {
namespace fs = std::filesystem;

StatusOr<UpPaths> ResolveUpPaths(const std::string& flag, const EnvironmentLookup& environment) {
  auto set = [&](const char* name) -> std::optional<std::string> {
    std::optional<std::string> value = environment(name);
    if (value && value->empty()) return std::nullopt;
    return value;
  };
  fs::path root;
  if (!flag.empty()) {
    root = flag;
  } else if (std::optional<std::string> home = set("TESSERA_HOME")) {
    root = *home;
  } else if (std::optional<std::string> state = set("XDG_STATE_HOME")) {
    root = fs::path(*state) / "tessera";
  } else if (std::optional<std::string> user_home = set("HOME")) {
    root = fs::path(*user_home) / ".local" / "state" / "tessera";
  } else {
    return InvalidArgumentError(
        "--state-dir: not given, and none of TESSERA_HOME, XDG_STATE_HOME or HOME is set");
  }
  std::error_code error;
  const fs::path absolute = fs::absolute(root, error);
  if (error) return InvalidArgumentError("--state-dir " + root.string() + ": " + error.message());
  return UpPaths{.root = absolute.lexically_normal()};
}

namespace {

std::string RandomToken() {
  static constexpr std::string_view kAlphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::random_device device;
  std::string token;
  for (int index = 0; index < 43; ++index) token += kAlphabet[device() % kAlphabet.size()];
  return token;
}

}  // namespace

Status PrepareUpPaths(const UpPaths& paths) {
  for (const fs::path& directory : {paths.manifests(), paths.worker_logs(), paths.logs()}) {
    std::error_code error;
    fs::create_directories(directory, error);
    if (error) return UnavailableError("creating " + directory.string() + ": " + error.message());
  }
  if (fs::exists(paths.token())) return OkStatus();
  const mode_t previous = umask(077);
  Status written = WriteFileAtomically(paths.token(), RandomToken() + "\n");
  umask(previous);
  return written;
}

}  // namespace tessera::cli
