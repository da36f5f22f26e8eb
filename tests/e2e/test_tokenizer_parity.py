"""Tessera's Hugging Face tokenizer against transformers on the real tokenizers.

For Llama 3, Qwen 2.5 and DeepSeek V3 (scripts/setup-tokenizers.sh), a corpus
of a few hundred varied texts goes through tessera-tokenize-tool (a test-only
binary over HuggingFaceTokenizer) and through
transformers.AutoTokenizer.from_pretrained(dir), the way vLLM and SGLang load
a tokenizer; ids, decoded text, the sequence prefix and the word pieces'
contract must agree exactly.
"""

import json
import os
import random
import subprocess
import unicodedata

import pytest

from conftest import BIN_DIR

transformers = pytest.importorskip("transformers")

FAMILIES = ["llama3", "qwen2_5", "deepseek_v3"]
SEED = 20261205


class Tool:
    """A running tessera-tokenize-tool, one JSON line per request."""

    def __init__(self, tokenizer_json, config_json):
        self.process = subprocess.Popen(
            [os.path.join(BIN_DIR, "tessera-tokenize-tool"), tokenizer_json, config_json],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, encoding="utf-8")
        self.header = json.loads(self.process.stdout.readline())
        assert "error" not in self.header, self.header

    def ask(self, request):
        self.process.stdin.write(json.dumps(request) + "\n")
        self.process.stdin.flush()
        answer = json.loads(self.process.stdout.readline())
        assert "error" not in answer, answer
        return answer

    def close(self):
        self.process.stdin.close()
        assert self.process.wait(timeout=30) == 0


@pytest.fixture(scope="module", params=FAMILIES)
def pair(request, real_tokenizers):
    directory = os.path.join(real_tokenizers, request.param)
    reference = transformers.AutoTokenizer.from_pretrained(directory)
    tool = Tool(os.path.join(directory, "tokenizer.json"),
                os.path.join(directory, "tokenizer_config.json"))
    yield reference, tool
    tool.close()


PROSE = [
    "The quick brown fox jumps over the lazy dog.",
    "It was the best of times, it was the worst of times, it was the age of wisdom, it was the "
    "age of foolishness, it was the epoch of belief, it was the epoch of incredulity.",
    "Call me Ishmael. Some years ago - never mind how long precisely - having little or no money "
    "in my purse, and nothing particular to interest me on shore, I thought I would sail about.",
    "I'M SURE it's fine; WE'LL see. They'd've done it, wouldn't they? You'RE right, she'S here.",
    "Don't, can't, won't, shouldn't've, y'all, o'clock, rock 'n' roll, 'quoted' \"double\".",
    "Mr. Smith paid $1,234,567.89 on 2024-03-15 at 10:45:30 UTC (about 3.5% more).",
    "E-mail: someone@example.com; URL: https://example.org/path?query=1&x=%20y#frag",
    "Thé café naïve résumé coöperate façade jalapeño São Paulo Zürich Ærøskøbing.",
    "Ελληνικά: Η γρήγορη καφέ αλεπού. Русский: Съешь же ещё этих мягких французских булок.",
    "עברית: שלום עולם. العربية: مرحبا بالعالم. हिन्दी: नमस्ते दुनिया। ไทย: สวัสดีชาวโลก",
    "中文：我爱自然语言处理。今天天气很好，我们去公园散步吧！",
    "日本語：ひらがなとカタカナ、そして漢字。コンピューターはすごいです。",
    "한국어: 안녕하세요, 세계! 토크나이저 테스트입니다.",
    "Emoji: 😀😃😄 👍🏽 👨‍👩‍👧‍👦 🏳️‍🌈 🇫🇷🇯🇵 ❤️ ✨🎉🔥",
    "Tabs\tand\t\tmore\ttabs\n\nNew paragraph.\r\nWindows line.\rOld Mac line.",
    "    leading spaces and trailing spaces    ",
    "\n\n\n",
    "   ",
    " ",
    "a",
    "Numbers: 1 12 123 1234 12345 123456 1234567 3.14159265358979 -42 +7 1e10 0x1F",
    "Mixed123abc456DEF 2nd 3rd 4th 21st 100km/h 5x5 v1.2.3",
    "!!!??? ... --- *** ### $$$ %%% ^^^ &&& ((( ))) [[[ ]]] {{{ }}} ||| \\\\ /// ~~~ ```",
    "ALL CAPS SENTENCE WITH SOME WORDS IN IT AND I'LL END IT HERE'S HOW.",
]

CODE = [
    "def fibonacci(n):\n    if n < 2:\n        return n\n    return fibonacci(n - 1) + fibonacci(n - 2)\n",
    "#include <vector>\n\nint main() {\n  std::vector<int> v{1, 2, 3};\n  for (int x : v) {\n"
    "    printf(\"%d\\n\", x);\n  }\n  return 0;\n}\n",
    "SELECT id, name FROM users WHERE age >= 18 AND country = 'FR' ORDER BY name DESC LIMIT 10;",
    "const f = async (x) => { await fetch(`/api/${x}`); return x ?? null; };",
    "<html><body><div class=\"a b\">Hello &amp; welcome</div></body></html>",
    "{\"key\": [1, 2, {\"nested\": true}], \"other\": null}",
    "    \t  mixed indentation\n\t\t  here\n",
    "if (a && b || !c) { x += 1; y <<= 2; z = a ? b : c; }",
    "fn main() -> Result<(), Box<dyn Error>> { let s: &str = \"héllo\"; Ok(()) }",
    "$ ls -la | grep '^d' | awk '{print $9}' > out.txt 2>&1",
]


def digit_runs(rng):
    texts = []
    for length in [1, 2, 3, 4, 5, 7, 10, 31, 64, 100, 257]:
        texts.append("".join(rng.choice("0123456789") for _ in range(length)))
    texts.append("Order 000123 shipped 9999999999 units, code 3141592653589793238462643383279.")
    texts.append("١٢٣٤٥ ٦٧٨٩ ²³¹ ½ ¾ Ⅻ ⅷ ①②③ ０１２３")
    return texts


def whitespace_runs(rng):
    pieces = [" ", "  ", "\t", "\n", "\r\n", "\r", "\u00a0", "\u3000", "\u2009", "\u2028",
              "\u0085", "\u200b", "\u180e", "\u202f", "\u205f", "\u1680", "\u000b", "\u000c"]
    texts = []
    for _ in range(30):
        words = []
        for _ in range(rng.randint(1, 8)):
            words.append(rng.choice(["word", "Word", "x", "12", "!?", "é", "中", "😀", ""]))
            words.append("".join(rng.choice(pieces) for _ in range(rng.randint(1, 6))))
        texts.append("".join(words))
    return texts


def contractions(rng):
    forms = ["'s", "'t", "'re", "'ve", "'m", "'ll", "'d", "'S", "'T", "'RE", "'VE", "'M", "'LL",
             "'D", "'Re", "'vE", "’s", "’ll"]
    texts = []
    for _ in range(25):
        words = []
        for _ in range(rng.randint(1, 6)):
            words.append(rng.choice(["I", "you", "WE", "they", "it", "", " ", "O"]) +
                         rng.choice(forms) + rng.choice(["", " ", "x", "!", "\n"]))
        texts.append(" ".join(words))
    return texts


def nfd_texts():
    base = ["Café crème brûlée à la française", "Ångström Ölçü Željko Čapek ŠKODA",
            "Tiếng Việt có dấu: Người ơi, đường đi", "ｶﾀｶﾅ ﾊﾝｶｸ and ﬁ ligature ﬃ",
            "가나다라 한국어", "Ǆ ǅ ǆ Ω Å K"]
    texts = []
    for text in base:
        texts.append(unicodedata.normalize("NFD", text))
        texts.append(unicodedata.normalize("NFKD", text))
        texts.append(text)
    texts.append("e\u0301\u0302\u0303 a\u030a o\u0308\u0304 combining\u0336 strike\u0336")
    texts.append("\u0301 leading combining mark and a lone one: \u0308")
    texts.append("Z\u0351\u0324\u0350a\u0357l\u0348g\u0351o\u0324 text \u0489\u0489")
    return texts


def special_token_texts(reference, rng):
    added = sorted(reference.get_added_vocab().keys())
    texts = []
    for _ in range(30):
        parts = []
        for _ in range(rng.randint(1, 5)):
            parts.append(rng.choice(added))
            parts.append(rng.choice(["", " ", "Hello", " world ", "\n", "中文", "<", "|", "<|",
                                     "<｜", "12345"]))
        texts.append("".join(parts))
    # Near misses: a special token cut short or with a neighbour glued on.
    for token in rng.sample(added, min(10, len(added))):
        texts.append(token[:-1] + " then " + token[1:] + token + token)
    return texts


RANGES = [
    (0x20, 0x7E), (0xA0, 0xFF), (0x100, 0x24F), (0x370, 0x3FF), (0x400, 0x4FF),
    (0x590, 0x6FF), (0x900, 0x97F), (0xE00, 0xE7F), (0x1100, 0x11FF), (0x2000, 0x206F),
    (0x2100, 0x22FF), (0x3000, 0x30FF), (0x4E00, 0x9FFF), (0xAC00, 0xD7A3), (0xFF00, 0xFFEF),
    (0x1F300, 0x1FAFF), (0x0300, 0x036F), (0xE000, 0xE0FF), (0x10000, 0x1007F),
    (0x20000, 0x2A6DF), (0x0, 0x1F),
]


def random_unicode(rng):
    texts = []
    for _ in range(80):
        chars = []
        for _ in range(rng.randint(1, 40)):
            low, high = rng.choice(RANGES)
            code_point = rng.randint(low, high)
            if code_point in (0x0,) or 0xD800 <= code_point <= 0xDFFF:
                code_point = 0x20
            chars.append(chr(code_point))
        texts.append("".join(chars))
    for _ in range(20):
        texts.append("".join(chr(rng.choice([rng.randint(1, 0xD7FF), rng.randint(0xE000, 0x10FFFF)]))
                             for _ in range(rng.randint(1, 20))))
    return texts


def english_like(rng):
    words = ("the of and to in is was he for it with as his on be at by had are but from or have "
             "an they which one you were all we her she there would their will when who him been "
             "has more if no out do so can what up said about other into than its time only could "
             "new them man some these then two first may any like now my such make over our even "
             "most me state after also made many did must before back see through way where get "
             "much go well your know should down work year because come people just say each "
             "those take day good how long Mr own too little use US very great still men here "
             "life both between old under last never place same another think house while high "
             "right might came off find states since used give against three himself look few "
             "general hand school part small American home during number again Mrs around thought "
             "went without however govern don't world until upon system").split()
    texts = []
    for _ in range(50):
        sentence = []
        for _ in range(rng.randint(3, 60)):
            word = rng.choice(words)
            if rng.random() < 0.1:
                word = word.capitalize()
            sentence.append(word)
            if rng.random() < 0.08:
                sentence[-1] += rng.choice([",", ".", ";", ":", "!", "?", "\n", "\n\n"])
        texts.append(" ".join(sentence))
    return texts


def corpus(reference):
    rng = random.Random(SEED)
    texts = ([""] + PROSE + CODE + digit_runs(rng) + whitespace_runs(rng) + contractions(rng) +
             nfd_texts() + special_token_texts(reference, rng) + random_unicode(rng) +
             english_like(rng))
    texts.append("\n".join(PROSE + CODE) * 20)  # One long text.
    # Long runs that make one pre-token each, or none.
    texts += ["a" * 20000, " " * 20000, "!" * 20000, "\n" * 10000, " \n" * 5000, "1" * 20000,
              "é" * 10000]
    return texts


def test_encode_matches_transformers(pair):
    reference, tool = pair
    texts = corpus(reference)
    assert len(texts) >= 300
    mismatches = []
    for text in texts:
        expected = reference.encode(text, add_special_tokens=False)
        answer = tool.ask({"text": text})
        if answer["ids"] != expected:
            mismatches.append((text, expected, answer["ids"]))
        assert answer["count"] == len(answer["ids"])
    assert not mismatches, f"{len(mismatches)} of {len(texts)} texts differ; first: {mismatches[:3]}"


def test_decode_matches_transformers(pair):
    reference, tool = pair
    rng = random.Random(SEED + 1)
    mismatches = []
    for text in corpus(reference):
        ids = reference.encode(text, add_special_tokens=False)
        expected = reference.decode(ids, clean_up_tokenization_spaces=False)
        answer = tool.ask({"ids": ids})
        if answer["decoded"] != expected:
            mismatches.append((text, expected, answer["decoded"]))
    # Random ids: cut multi-byte characters in the middle, which both decode
    # as U+FFFD.
    vocabulary_size = len(reference)
    for _ in range(200):
        ids = [rng.randrange(vocabulary_size) for _ in range(rng.randint(1, 12))]
        expected = reference.decode(ids, clean_up_tokenization_spaces=False)
        answer = tool.ask({"ids": ids})
        if answer["decoded"] != expected:
            mismatches.append((ids, expected, answer["decoded"]))
    assert not mismatches, f"{len(mismatches)} differ; first: {mismatches[:3]}"


def test_sequence_prefix_matches_transformers(pair):
    reference, tool = pair
    for text in ["Hello world", "", "中文", "<|begin_of_text|>x"]:
        with_special = reference.encode(text, add_special_tokens=True)
        without = reference.encode(text, add_special_tokens=False)
        prefix = with_special[:len(with_special) - len(without)]
        assert with_special == prefix + without
        assert tool.header["prefix"] == prefix


def test_word_pieces_concatenate_to_one_token_each(pair):
    reference, tool = pair
    pieces = tool.ask({"word_pieces": True})["word_pieces"]
    assert len(pieces) == tool.header["word_pieces"] > 1000
    assert [id for id, _ in pieces] == sorted(id for id, _ in pieces)
    rng = random.Random(SEED + 2)
    for _ in range(200):
        chosen = [rng.choice(pieces) for _ in range(rng.randint(1, 40))]
        text = "".join(piece_text for _, piece_text in chosen)
        assert reference.encode(text, add_special_tokens=False) == [id for id, _ in chosen], text
