"""The two names benchmark_dataset.py imports from vllm.transformers_utils.tokenizer.

There is deliberately no get_tokenizer: benchmark_serving.py then falls back to
its own (backend_request_func.get_tokenizer, AutoTokenizer.from_pretrained).
"""

from transformers import AutoTokenizer, PreTrainedTokenizer, PreTrainedTokenizerFast

AnyTokenizer = PreTrainedTokenizer | PreTrainedTokenizerFast


def get_lora_tokenizer(lora_request, *args, **kwargs):
    """The adapter's own tokenizer when its directory has one, as vLLM's does."""
    if lora_request is None:
        return None
    try:
        return AutoTokenizer.from_pretrained(lora_request.lora_path, *args, **kwargs)
    except OSError:
        return None
