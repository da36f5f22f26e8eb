"""The anchor for tessera bench's speed: a Python asyncio/aiohttp streaming client that
does per request what vLLM's benchmark_serving does (benchmarks/backend_request_func.py,
async_request_openai_completions): POST with stream and include_usage, read the body as
it arrives, split server-sent events, json.loads each, stamp time.perf_counter() per
event, keep TTFT and every inter-token gap, take the token count from usage.

    python aiohttp_client.py URL MODEL NUM_PROMPTS MAX_CONCURRENCY OUTPUT_LEN PROMPT_FILE

Prints one JSON line: requests completed and failed, streamed events, the client's own
CPU seconds (user + system) and wall seconds.
"""

import asyncio
import json
import sys
import time

import aiohttp


async def one_request(session, url, model, prompt, output_len, semaphore, totals):
    async with semaphore:
        payload = {"model": model, "prompt": prompt, "max_tokens": output_len, "temperature": 0.0,
                   "stream": True, "stream_options": {"include_usage": True}, "ignore_eos": True}
        start = time.perf_counter()
        most_recent = start
        ttft = 0.0
        itl = []
        generated = ""
        output_tokens = 0
        try:
            async with session.post(url, json=payload) as response:
                if response.status != 200:
                    totals["failed"] += 1
                    return
                buffer = b""
                async for piece in response.content.iter_any():
                    buffer += piece
                    while b"\n\n" in buffer:
                        event, buffer = buffer.split(b"\n\n", 1)
                        timestamp = time.perf_counter()
                        chunk = event.decode("utf-8").removeprefix("data: ")
                        if chunk == "[DONE]":
                            continue
                        data = json.loads(chunk)
                        if choices := data.get("choices"):
                            text = choices[0].get("text")
                            if ttft == 0.0:
                                ttft = timestamp - start
                            else:
                                itl.append(timestamp - most_recent)
                            most_recent = timestamp
                            generated += text or ""
                            totals["events"] += 1
                        elif usage := data.get("usage"):
                            output_tokens = usage.get("completion_tokens")
            totals["completed"] += 1
            totals["tokens"] += output_tokens
        except aiohttp.ClientError:
            totals["failed"] += 1


async def main():
    url, model, num_prompts, concurrency, output_len, prompt_file = sys.argv[1:7]
    prompt = open(prompt_file).read()
    totals = {"completed": 0, "failed": 0, "events": 0, "tokens": 0}
    semaphore = asyncio.Semaphore(int(concurrency))
    connector = aiohttp.TCPConnector(limit=0)
    timeout = aiohttp.ClientTimeout(total=6 * 60 * 60)
    cpu_start, wall_start = time.process_time(), time.perf_counter()
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
        await asyncio.gather(*(
            one_request(session, url + "/v1/completions", model, prompt, int(output_len),
                        semaphore, totals)
            for _ in range(int(num_prompts))))
    totals["cpu_seconds"] = time.process_time() - cpu_start
    totals["wall_seconds"] = time.perf_counter() - wall_start
    print(json.dumps(totals))


if __name__ == "__main__":
    asyncio.run(main())
