// GPT-2's byte-level alphabet, which byte-level BPE tokenizers (GPT-2, Llama
// 3, Qwen, DeepSeek) write their vocabularies in: each of the 256 byte values
// stands for one printable code point ("Ġ" for the space byte), so that every
// byte string is a string of vocabulary characters.

#ifndef TESSERA_ENGINE_TOKENIZER_BYTE_LEVEL_H_
#define TESSERA_ENGINE_TOKENIZER_BYTE_LEVEL_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace tessera::tokenizer {

// The UTF-8 of the code point that stands for `byte`.
std::string_view ByteLevelCharacter(uint8_t byte);

// `bytes` written in the byte-level alphabet.
std::string ToByteLevel(std::string_view bytes);

// The bytes a vocabulary token stands for, or nullopt when `token` holds a
// code point outside the alphabet (or is not valid UTF-8).
std::optional<std::string> FromByteLevel(std::string_view token);

}  // namespace tessera::tokenizer

#endif  // TESSERA_ENGINE_TOKENIZER_BYTE_LEVEL_H_
