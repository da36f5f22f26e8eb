"""Stands in for the vllm package under vLLM 0.8.5's benchmark files.

benchmark_dataset.py imports LoRA, multimodal and tokenizer helpers from the
engine at module level; the real modules pull in torch and the GPU runtime.
Only what those imports name is here, and only the random dataset runs, which
uses none of it but the tokenizer: benchmark_serving.py's own fallbacks
(`backend_request_func.get_tokenizer`, argparse's ArgumentParser) take over
where this package has no `get_tokenizer` or `vllm.utils`. No measuring code
is replaced.
"""
