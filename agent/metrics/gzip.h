// gzip for /metrics. Prometheus asks for it (Accept-Encoding: gzip), and it
// shrinks a node's 2.5 MiB of engine metrics about tenfold on the wire.

#ifndef TESSERA_AGENT_METRICS_GZIP_H_
#define TESSERA_AGENT_METRICS_GZIP_H_

#include <string>
#include <string_view>

namespace tessera::agent {

// One gzip member (RFC 1952) holding `data`. Members may be concatenated:
// every gzip reader (Go's, which Prometheus uses; Python's; zcat) reads a
// sequence of members as their contents joined, so a body can be built from
// parts compressed at different times. Level 1 (fastest) by default. Empty
// when zlib fails (out of memory): callers then send the text as it is.
std::string GzipMember(std::string_view data, int level = 1);

// True when an Accept-Encoding header value accepts gzip ("gzip",
// "gzip, deflate", "br;q=1.0, gzip;q=0.8"; not "gzip;q=0" nor "identity").
bool AcceptsGzip(std::string_view accept_encoding);

}  // namespace tessera::agent

#endif  // TESSERA_AGENT_METRICS_GZIP_H_
