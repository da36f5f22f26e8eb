"""vllm.multimodal's MultiModalDataDict, a type annotation in benchmark_dataset.py."""

from typing import Any

MultiModalDataDict = dict[str, Any]
