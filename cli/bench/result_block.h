// The lines of the result blocks vLLM's benchmark_serving and SGLang's
// bench_serving print, written as Python's str.format writes them, so that
// both of tessera bench's blocks read the same as the clients' own.

#ifndef TESSERA_CLI_BENCH_RESULT_BLOCK_H_
#define TESSERA_CLI_BENCH_RESULT_BLOCK_H_

#include <string>

namespace tessera::bench {

// The width of the blocks' rules and lines.
inline constexpr int kResultBlockWidth = 50;

// "{s:{c}^{n}}".format(s=text, c=fill, n=50) and a newline: `text` centred in
// `fill`, the odd padding character on the right.
std::string ResultBlockRule(const std::string& text, char fill);

// "{:<40} {:<10}".format(label, value) and a newline.
std::string ResultBlockLine(const std::string& label, const std::string& value);
// "{:<40} {:<10.2f}".format(label, value) and a newline.
std::string ResultBlockLine(const std::string& label, double value);

}  // namespace tessera::bench

#endif  // TESSERA_CLI_BENCH_RESULT_BLOCK_H_
