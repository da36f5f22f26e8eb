// Base64 as kubeconfigs carry certificates and keys (`certificate-authority-data`,
// `client-key-data`): the standard alphabet with padding, as Go's
// encoding/base64.StdEncoding writes it.

#ifndef TESSERA_KUBE_BASE64_H_
#define TESSERA_KUBE_BASE64_H_

#include <string>
#include <string_view>

#include "base/status.h"

namespace tessera::kube {

// Decodes standard base64 (RFC 4648 section 4). Line breaks (\r, \n) are
// skipped, as Go's decoder skips them, because PEM-wrapped data is pasted into
// kubeconfigs that way. Anything else outside the alphabet, a missing or
// misplaced '=', or a length that is not a whole number of quanta is
// InvalidArgument saying which character (by offset) or why.
StatusOr<std::string> DecodeBase64(std::string_view text);

std::string EncodeBase64(std::string_view bytes);

}  // namespace tessera::kube

#endif  // TESSERA_KUBE_BASE64_H_
