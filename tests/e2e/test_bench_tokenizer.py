"""`tessera bench --tokenizer` and `tessera-engine-sim --tokenizer` with the
real tokenizers of Llama 3, Qwen 2.5 and DeepSeek V3, checked against
Hugging Face transformers, which is what vLLM and SGLang count with.

The bench's prompts are caught by a recording server and counted by
transformers: each must count exactly the length the bench reports for it.
The simulator's usage must count what transformers counts for the same
prompt, chat and output."""

import http.server
import json
import os
import subprocess
import threading
import urllib.request

import pytest
from conftest import BIN_DIR
from transformers import AutoTokenizer

FAMILIES = ["llama3", "qwen2_5", "deepseek_v3"]


@pytest.fixture(scope="module")
def tokenizers(real_tokenizers):
    return {family: (os.path.join(real_tokenizers, family),
                     AutoTokenizer.from_pretrained(os.path.join(real_tokenizers, family)))
            for family in FAMILIES}


class RecordingServer:
    """An OpenAI completions server that records each prompt and answers
    one streamed token, reporting no usage so that the bench's result
    holds the prompt lengths the bench itself claims."""

    def __init__(self):
        self.prompts = []
        recorded = self.prompts

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def reply(self, content_type, body):
                data = body.encode()
                self.send_response(200)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self):
                self.reply("application/json", json.dumps({"object": "list", "data": [
                    {"id": "recorded", "object": "model"}]}))

            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                recorded.append(body["prompt"])
                chunk = {"id": "cmpl-1", "object": "text_completion", "model": "recorded",
                         "choices": [{"index": 0, "text": " x", "finish_reason": "length"}]}
                self.reply("text/event-stream",
                           f"data: {json.dumps(chunk)}\n\ndata: [DONE]\n\n")

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base_url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def recording_server():
    server = RecordingServer()
    yield server
    server.stop()


def bench(base_url, tokenizer_dir, tmp_path, *flags):
    result = tmp_path / "result.json"
    completed = subprocess.run(
        [os.path.join(BIN_DIR, "tessera"), "bench", "--base-url", base_url, "--no-progress",
         "--tokenizer", tokenizer_dir, "--warmup-requests", "0", "--max-concurrency", "1",
         "--request-rate", "inf", "--result-file", str(result), *flags],
        capture_output=True, text=True, timeout=300)
    assert completed.returncode == 0, completed.stderr
    return json.loads(result.read_text())


def counted(tokenizer, text):
    """What vLLM's and SGLang's clients and servers count: tokenizer(text),
    with the tokens the tokenizer adds before a sequence."""
    return len(tokenizer(text).input_ids)


@pytest.mark.parametrize("family", FAMILIES)
def test_random_prompts_count_exactly_the_lengths_drawn(family, tokenizers, recording_server,
                                                        tmp_path):
    directory, tokenizer = tokenizers[family]
    for seed in range(4):
        recording_server.prompts.clear()
        result = bench(recording_server.base_url, directory, tmp_path, "--dataset-name", "random",
                       "--random-input-len", "600", "--random-range-ratio", "0.9",
                       "--random-output-len", "1", "--num-prompts", "25", "--seed", str(seed))
        assert result["tokenizer_id"] == directory
        lengths = result["input_lens"]
        assert len(recording_server.prompts) == len(lengths) == 25
        assert [counted(tokenizer, prompt) for prompt in recording_server.prompts] == lengths
        assert all(60 <= length <= 1140 for length in lengths), lengths
        assert len(set(lengths)) > 15  # drawn over the range, not one length


@pytest.mark.parametrize("family", FAMILIES)
def test_shared_prefix_and_sharegpt_prompts_are_counted_with_the_tokenizer(
        family, tokenizers, recording_server, tmp_path):
    directory, tokenizer = tokenizers[family]
    result = bench(recording_server.base_url, directory, tmp_path,
                   "--dataset-name", "generated-shared-prefix", "--gsp-num-groups", "2",
                   "--gsp-prompts-per-group", "3", "--gsp-system-prompt-len", "300",
                   "--gsp-question-len", "40", "--gsp-output-len", "1")
    assert [counted(tokenizer, prompt) for prompt in recording_server.prompts] == \
        result["input_lens"]

    recording_server.prompts.clear()
    sharegpt = os.path.join(os.path.dirname(__file__), "..", "fixtures", "sharegpt",
                            "sharegpt_small.json")
    result = bench(recording_server.base_url, directory, tmp_path, "--dataset-name", "sharegpt",
                   "--dataset-path", sharegpt, "--num-prompts", "10",
                   "--sharegpt-output-len", "1")
    assert [counted(tokenizer, prompt) for prompt in recording_server.prompts] == \
        result["input_lens"]


def post(base_url, path, body):
    request = urllib.request.Request(base_url + path, data=json.dumps(body).encode(),
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())


TEXTS = [
    "Tessera places workers on partitions that fit.",
    "  leading spaces, trailing newline\n",
    "Numbers 1234567 and 3.14159; code: `for (int i = 0; i < n; ++i) {}`",
    "日本語のテキストと中文混合, emoji 🚀🔥 and accents: café, naïve, Ångström",
    "I'M SHOUTING and we'll see what they've done",
]


@pytest.mark.parametrize("family", FAMILIES)
def test_the_simulator_counts_prompts_chats_and_output_as_transformers_does(
        family, tokenizers, engine_sim):
    directory, tokenizer = tokenizers[family]
    engine = engine_sim("--tokenizer", directory, "--time-scale", "0.01")
    for text in TEXTS:
        answer = post(engine.base_url, "/v1/completions",
                      {"model": "llama-3.1-8b", "prompt": text, "max_tokens": 40,
                       "ignore_eos": True})
        assert answer["usage"]["prompt_tokens"] == counted(tokenizer, text), text
        output = answer["choices"][0]["text"]
        assert len(tokenizer(output, add_special_tokens=False).input_ids) == 40 == \
            answer["usage"]["completion_tokens"]

    # Chats as each family's template renders them: with a system message;
    # without one (Qwen's writes its default system turn); content with
    # whitespace around it (Llama 3's trims it); several system messages
    # (DeepSeek V3's joins them before every turn); a multi-turn exchange.
    chats = [
        [{"role": "system", "content": "You answer briefly."},
         {"role": "user", "content": "Which partitions fit a 70B model?"}],
        [{"role": "user", "content": "Which partitions fit a 70B model?"}],
        [{"role": "user", "content": "  Which partitions fit?\n\n"}],
        [{"role": "system", "content": "You answer briefly."},
         {"role": "user", "content": "Which partitions fit?"},
         {"role": "assistant", "content": "Four CPX partitions."},
         {"role": "system", "content": "Now in French."},
         {"role": "user", "content": "And a 405B model?"}],
    ]
    for messages in chats:
        answer = post(engine.base_url, "/v1/chat/completions",
                      {"model": "llama-3.1-8b", "messages": messages, "max_tokens": 4})
        assert answer["usage"]["prompt_tokens"] == len(tokenizer.apply_chat_template(
            messages, add_generation_prompt=True, tokenize=True)), messages


def test_sglang_generate_counts_text_with_the_tokenizer(tokenizers, engine_sim):
    directory, tokenizer = tokenizers["qwen2_5"]
    engine = engine_sim("--tokenizer", directory, "--flavor", "sglang", "--time-scale", "0.01")
    for text in TEXTS:
        answer = post(engine.base_url, "/generate",
                      {"text": text, "sampling_params": {"max_new_tokens": 3}})
        assert answer["meta_info"]["prompt_tokens"] == counted(tokenizer, text), text


def test_an_unknown_tokenizer_is_refused_by_name(tmp_path):
    missing = str(tmp_path / "nowhere")
    for args in ([os.path.join(BIN_DIR, "tessera-engine-sim"), "--model", "llama-3.1-8b"],
                 [os.path.join(BIN_DIR, "tessera"), "bench", "--base-url",
                  "http://127.0.0.1:9", "--no-progress", "--model", "m"]):
        completed = subprocess.run([*args, "--tokenizer", missing], capture_output=True,
                                   text=True, timeout=30)
        assert completed.returncode == 2, completed.stderr
        assert "--tokenizer" in completed.stderr and "never downloads" in completed.stderr
