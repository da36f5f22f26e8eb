"""vllm.lora.request's LoRARequest, as benchmark_dataset.py builds it."""

from dataclasses import dataclass
from typing import Optional


@dataclass
class LoRARequest:
    lora_name: str
    lora_int_id: int
    lora_path: str = ""
    long_lora_max_len: Optional[int] = None
    base_model_name: Optional[str] = None
