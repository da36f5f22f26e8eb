#include "kube/kube_config.h"

#include <cstdlib>
#include <utility>
#include <vector>

#include <cpprest/asyncrt_utils.h>
#include <nlohmann/json.hpp>

#include "base/file.h"
#include "base/strings.h"
#include "base/yaml_json.h"

namespace tessera::kube {
namespace {

using nlohmann::json;

// Certificates, keys and tokens are small; a multi-megabyte one is a mistake.
constexpr size_t kMaxCredentialFileBytes = size_t{1} << 20;

std::string TrimBlanks(std::string_view text) {
  const auto first = text.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) return "";
  const auto last = text.find_last_not_of(" \t\r\n");
  return std::string(text.substr(first, last - first + 1));
}

bool IsBase64Character(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' ||
         c == '/' || c == '=';
}

// The *-data fields: standard base64 with padding, as Go's StdEncoding reads
// it. Line breaks are skipped, as Go skips them, because PEM-wrapped data is
// pasted into kubeconfigs that way; any other stray character is named by its
// offset. cpprest checks the length and where the padding stands.
StatusOr<std::string> DecodeBase64(std::string_view text) {
  std::string compact;
  compact.reserve(text.size());
  for (size_t offset = 0; offset < text.size(); ++offset) {
    const char c = text[offset];
    if (c == '\r' || c == '\n') continue;
    if (!IsBase64Character(c)) {
      return InvalidArgumentError("not valid base64: unexpected character at offset " +
                                  std::to_string(offset));
    }
    compact += c;
  }
  try {
    const std::vector<unsigned char> bytes = utility::conversions::from_base64(compact);
    return std::string(bytes.begin(), bytes.end());
  } catch (const std::exception& error) {
    return InvalidArgumentError(std::string("not valid base64: ") + error.what());
  }
}

// One entry of a kubeconfig's named lists (clusters, users, contexts), with
// the path its errors are reported under: "users[admin]".
struct NamedEntry {
  const json* body = nullptr;
  std::string path;
};

// Reads `field` of `object` as a string; empty when absent or null.
Status ReadString(const json& object, std::string_view field, const std::string& path,
                  std::string& out) {
  const auto it = object.find(field);
  if (it == object.end() || it->is_null()) return OkStatus();
  if (!it->is_string()) {
    return InvalidArgumentError(path + "." + std::string(field) + ": must be a string, got " +
                                it->dump());
  }
  out = it->get<std::string>();
  return OkStatus();
}

Status ReadBool(const json& object, std::string_view field, const std::string& path, bool& out) {
  const auto it = object.find(field);
  if (it == object.end() || it->is_null()) return OkStatus();
  if (!it->is_boolean()) {
    return InvalidArgumentError(path + "." + std::string(field) + ": must be true or false, got " +
                                it->dump());
  }
  out = it->get<bool>();
  return OkStatus();
}

bool Has(const json& object, std::string_view field) {
  const auto it = object.find(field);
  return it != object.end() && !it->is_null();
}

// Finds `name` in the list `list_field` ("clusters", "users", "contexts") of
// the kubeconfig, whose entries are {name: ..., <body_field>: {...}}.
StatusOr<NamedEntry> FindNamed(const json& config, std::string_view list_field,
                               std::string_view body_field, const std::string& name,
                               const std::string& referenced_by) {
  const std::string list_name(list_field);
  const auto list = config.find(list_field);
  std::vector<std::string> names;
  if (list != config.end() && !list->is_null()) {
    if (!list->is_array()) return InvalidArgumentError(list_name + ": must be a list");
    for (size_t i = 0; i < list->size(); ++i) {
      const json& entry = (*list)[i];
      const std::string entry_path = list_name + "[" + std::to_string(i) + "]";
      if (!entry.is_object()) return InvalidArgumentError(entry_path + ": must be a map");
      std::string entry_name;
      TESSERA_RETURN_IF_ERROR(ReadString(entry, "name", entry_path, entry_name));
      if (entry_name != name) {
        names.push_back(entry_name);
        continue;
      }
      std::string path = list_name;
      path += '[';
      path += name;
      path += ']';
      const auto body = entry.find(body_field);
      if (body == entry.end() || body->is_null()) {
        return InvalidArgumentError(path + "." + std::string(body_field) + ": is required");
      }
      if (!body->is_object()) {
        return InvalidArgumentError(path + "." + std::string(body_field) + ": must be a map");
      }
      return NamedEntry{&*body, path};
    }
  }
  return InvalidArgumentError(referenced_by + ": " + list_name + " has no entry named " +
                              Quote(name) +
                              (names.empty() ? "" : " (it has " + Join(names, ", ") + ")"));
}

std::filesystem::path Resolve(const std::filesystem::path& base_dir, const std::string& file) {
  const std::filesystem::path path(file);
  return path.is_absolute() ? path : base_dir / path;
}

// A credential given either inline (`<field>-data`, base64) or as a file
// (`<field>`, relative to the kubeconfig); both at once is an error, as in
// client-go's validation.
Status ReadDataOrFile(const json& body, const std::string& path, const std::string& field,
                      const std::filesystem::path& base_dir, std::string& out) {
  std::string file;
  std::string data;
  TESSERA_RETURN_IF_ERROR(ReadString(body, field, path, file));
  TESSERA_RETURN_IF_ERROR(ReadString(body, field + "-data", path, data));
  if (!file.empty() && !data.empty()) {
    return InvalidArgumentError(path + ": " + field + " and " + field +
                                "-data are both set; use only one");
  }
  if (!data.empty()) {
    auto decoded = DecodeBase64(data);
    if (!decoded.ok()) return decoded.status().WithContext(path + "." + field + "-data");
    out = std::move(decoded).value();
  } else if (!file.empty()) {
    auto contents = ReadFile(Resolve(base_dir, file), kMaxCredentialFileBytes);
    if (!contents.ok()) return contents.status().WithContext(path + "." + field);
    out = std::move(contents).value();
  }
  return OkStatus();
}

Status ReadCluster(const NamedEntry& cluster, const std::filesystem::path& base_dir,
                   KubeConfig& config) {
  const json& body = *cluster.body;
  TESSERA_RETURN_IF_ERROR(ReadString(body, "server", cluster.path, config.server));
  if (config.server.empty()) return InvalidArgumentError(cluster.path + ".server: is required");
  if (!config.server.starts_with("https://") && !config.server.starts_with("http://")) {
    return InvalidArgumentError(cluster.path + ".server: must be an http:// or https:// URL, got " +
                                Quote(config.server));
  }
  while (config.server.ends_with('/')) config.server.pop_back();
  if (Has(body, "proxy-url")) {
    return UnimplementedError(cluster.path + ".proxy-url: proxies are not supported");
  }
  TESSERA_RETURN_IF_ERROR(
      ReadBool(body, "insecure-skip-tls-verify", cluster.path, config.insecure_skip_tls_verify));
  TESSERA_RETURN_IF_ERROR(
      ReadString(body, "tls-server-name", cluster.path, config.tls_server_name));
  TESSERA_RETURN_IF_ERROR(ReadDataOrFile(body, cluster.path, "certificate-authority", base_dir,
                                         config.certificate_authority_pem));
  if (config.insecure_skip_tls_verify && !config.certificate_authority_pem.empty()) {
    // client-go refuses this too: the CA would silently be ignored.
    return InvalidArgumentError(cluster.path +
                                ": insecure-skip-tls-verify and a certificate authority are both "
                                "set; use only one");
  }
  return OkStatus();
}

Status ReadUser(const NamedEntry& user, const std::filesystem::path& base_dir, KubeConfig& config) {
  const json& body = *user.body;
  if (Has(body, "exec")) {
    std::string command;
    if (const auto exec = body.find("exec"); exec->is_object()) {
      (void)ReadString(*exec, "command", user.path + ".exec", command);
    }
    return UnimplementedError(user.path + ".exec: exec credential plugins" +
                              (command.empty() ? std::string() : " (" + Quote(command) + ")") +
                              " are not supported; use a token, tokenFile or client certificate");
  }
  if (Has(body, "auth-provider")) {
    std::string name;
    if (const auto provider = body.find("auth-provider"); provider->is_object()) {
      (void)ReadString(*provider, "name", user.path + ".auth-provider", name);
    }
    return UnimplementedError(user.path + ".auth-provider: auth-provider plugins" +
                              (name.empty() ? std::string() : " (" + Quote(name) + ")") +
                              " are not supported; use a token, tokenFile or client certificate");
  }
  if (Has(body, "username") || Has(body, "password")) {
    return UnimplementedError(user.path +
                              ": basic authentication (username/password) is not supported");
  }
  TESSERA_RETURN_IF_ERROR(ReadString(body, "token", user.path, config.token));
  std::string token_file;
  TESSERA_RETURN_IF_ERROR(ReadString(body, "tokenFile", user.path, token_file));
  if (!token_file.empty()) {
    config.token_file = Resolve(base_dir, token_file).string();
    // Read now, as clientcmd does, so that a missing file fails at start-up
    // rather than on the first request.
    auto contents = ReadFile(config.token_file, kMaxCredentialFileBytes);
    if (!contents.ok()) return contents.status().WithContext(user.path + ".tokenFile");
    if (config.token.empty()) config.token = TrimBlanks(*contents);
  }
  TESSERA_RETURN_IF_ERROR(ReadDataOrFile(body, user.path, "client-certificate", base_dir,
                                         config.client_certificate_pem));
  TESSERA_RETURN_IF_ERROR(
      ReadDataOrFile(body, user.path, "client-key", base_dir, config.client_key_pem));
  if (config.client_certificate_pem.empty() != config.client_key_pem.empty()) {
    return InvalidArgumentError(user.path + ": " +
                                (config.client_key_pem.empty()
                                     ? "client-certificate is set without client-key"
                                     : "client-key is set without client-certificate"));
  }
  return OkStatus();
}

StatusOr<KubeConfig> ParseKubeconfig(const json& document, const std::filesystem::path& base_dir,
                                     std::string_view requested_context) {
  if (!document.is_object()) return InvalidArgumentError("must be a map");
  std::string context_name(requested_context);
  std::string referenced_by = "context " + Quote(context_name);
  if (context_name.empty()) {
    TESSERA_RETURN_IF_ERROR(ReadString(document, "current-context", "", context_name));
    if (context_name.empty()) {
      return InvalidArgumentError("current-context: is not set and no context was named");
    }
    referenced_by = "current-context";
  }
  TESSERA_ASSIGN_OR_RETURN(const NamedEntry context,
                           FindNamed(document, "contexts", "context", context_name, referenced_by));
  KubeConfig config;
  std::string cluster_name;
  std::string user_name;
  std::string namespace_name;
  TESSERA_RETURN_IF_ERROR(ReadString(*context.body, "cluster", context.path, cluster_name));
  TESSERA_RETURN_IF_ERROR(ReadString(*context.body, "user", context.path, user_name));
  TESSERA_RETURN_IF_ERROR(ReadString(*context.body, "namespace", context.path, namespace_name));
  if (!namespace_name.empty()) config.namespace_name = namespace_name;
  if (cluster_name.empty()) return InvalidArgumentError(context.path + ".cluster: is required");
  TESSERA_ASSIGN_OR_RETURN(
      const NamedEntry cluster,
      FindNamed(document, "clusters", "cluster", cluster_name, context.path + ".cluster"));
  TESSERA_RETURN_IF_ERROR(ReadCluster(cluster, base_dir, config));
  // A context without a user connects anonymously, as kubectl does.
  if (!user_name.empty()) {
    TESSERA_ASSIGN_OR_RETURN(const NamedEntry user, FindNamed(document, "users", "user", user_name,
                                                              context.path + ".user"));
    TESSERA_RETURN_IF_ERROR(ReadUser(user, base_dir, config));
  }
  return config;
}

}  // namespace

StatusOr<KubeConfig> LoadKubeconfig(const std::filesystem::path& path, std::string_view context) {
  const std::string where = "kubeconfig " + path.string();
  auto text = ReadFile(path, kMaxCredentialFileBytes * 16);
  if (!text.ok()) return text.status().WithContext("kubeconfig");
  auto document = YamlToJson(*text);
  if (!document.ok()) return document.status().WithContext(where);
  auto config = ParseKubeconfig(*document, path.parent_path(), context);
  if (!config.ok()) return config.status().WithContext(where);
  return config;
}

StatusOr<KubeConfig> InClusterConfig(const std::filesystem::path& service_account_dir,
                                     const EnvironmentLookup& environment) {
  const std::optional<std::string> host = environment("KUBERNETES_SERVICE_HOST");
  const std::optional<std::string> port = environment("KUBERNETES_SERVICE_PORT");
  if (!host || host->empty() || !port || port->empty()) {
    return FailedPreconditionError(
        "in-cluster config: KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT must both be set "
        "(is this process running in a pod?)");
  }
  KubeConfig config;
  const bool ipv6 = host->find(':') != std::string::npos && !host->starts_with('[');
  config.server = "https://" + (ipv6 ? "[" + *host + "]" : *host) + ":" + *port;
  config.token_file = (service_account_dir / "token").string();
  auto token = ReadFile(config.token_file, kMaxCredentialFileBytes);
  if (!token.ok()) return token.status().WithContext("in-cluster config: token");
  config.token = TrimBlanks(*token);
  auto ca = ReadFile(service_account_dir / "ca.crt", kMaxCredentialFileBytes);
  if (!ca.ok()) return ca.status().WithContext("in-cluster config: ca.crt");
  config.certificate_authority_pem = std::move(ca).value();
  if (auto namespace_file = ReadFile(service_account_dir / "namespace", kMaxCredentialFileBytes);
      namespace_file.ok() && !TrimBlanks(*namespace_file).empty()) {
    config.namespace_name = TrimBlanks(*namespace_file);
  }
  return config;
}

StatusOr<KubeConfig> LoadDefaultConfig(std::string_view explicit_path,
                                       const EnvironmentLookup& environment) {
  if (!explicit_path.empty()) return LoadKubeconfig(std::filesystem::path(explicit_path));
  if (const std::optional<std::string> list = environment("KUBECONFIG"); list && !list->empty()) {
    // A colon-separated list that kubectl merges; the first file is where
    // current-context conventionally lives, and merging is not implemented.
    std::string_view rest = *list;
    while (!rest.empty()) {
      const size_t colon = rest.find(':');
      const std::string_view entry = rest.substr(0, colon);
      if (!entry.empty()) return LoadKubeconfig(std::filesystem::path(entry));
      if (colon == std::string_view::npos) break;
      rest.remove_prefix(colon + 1);
    }
  }
  if (const std::optional<std::string> host = environment("KUBERNETES_SERVICE_HOST");
      host && !host->empty()) {
    return InClusterConfig(kServiceAccountDirectory, environment);
  }
  if (const std::optional<std::string> home = environment("HOME"); home && !home->empty()) {
    const std::filesystem::path path = std::filesystem::path(*home) / ".kube" / "config";
    std::error_code error;
    if (std::filesystem::exists(path, error)) return LoadKubeconfig(path);
  }
  return NotFoundError(
      "no Kubernetes configuration: pass --kubeconfig, set KUBECONFIG, run in a pod, or create "
      "~/.kube/config");
}

}  // namespace tessera::kube
