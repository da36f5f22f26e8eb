#include "cli/bench_command.h"

#include <array>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <iomanip>
#include <iostream>
#include <optional>
#include <sstream>

#include <nlohmann/json.hpp>
#include <unistd.h>

#include "base/file.h"
#include "base/strings.h"
#include "base/text_table.h"
#include "base/units.h"
#include "base/yaml_json.h"
#include "cli/bench/arrival_schedule.h"
#include "cli/bench/benchmark_metrics.h"
#include "cli/bench/chart/line_chart.h"
#include "cli/bench/expectations.h"
#include "cli/bench/load_generator.h"
#include "cli/bench/progress_reporter.h"
#include "cli/bench/random_dataset.h"
#include "cli/bench/result_report.h"
#include "cli/bench/server_time.h"
#include "cli/bench/sglang_report.h"
#include "cli/bench/shared_prefix_dataset.h"
#include "cli/bench/sharegpt_dataset.h"
#include "cli/bench/warm_up.h"
#include "engine/tokenizer/tokenizer_loader.h"
#include "http/http_client.h"

namespace tessera::cli {
namespace {

using json = nlohmann::ordered_json;
using bench::BenchmarkMetrics;
using bench::BenchmarkPrompt;

constexpr int kCompleted = 0;
constexpr int kShortOfExpectations = 1;
constexpr int kInvalidInput = 2;
constexpr std::array<std::string_view, 4> kMetricNames = {"ttft", "tpot", "itl", "e2el"};

std::vector<std::string> SplitList(std::string_view text) {
  std::vector<std::string> items;
  size_t start = 0;
  while (start <= text.size()) {
    const size_t comma = std::min(text.find(',', start), text.size());
    std::string item(text.substr(start, comma - start));
    item.erase(0, item.find_first_not_of(' '));
    item.erase(item.find_last_not_of(' ') + 1);
    if (!item.empty()) items.push_back(item);
    start = comma + 1;
  }
  return items;
}

StatusOr<double> ParseNumber(const std::string& flag, const std::string& text) {
  char* end = nullptr;
  const double value = std::strtod(text.c_str(), &end);
  if (text.empty() || end != text.c_str() + text.size() || std::isnan(value)) {
    return InvalidArgumentError(flag + ": " + Quote(text) + " is not a number");
  }
  return value;
}

// Everything the flags say, checked once.
struct BenchPlan {
  bench::LoadOptions load;
  bench::RunDescription run;
  std::vector<BenchmarkPrompt> prompts;
  std::vector<double> arrivals;
  bench::GoodputObjectives goodput;
  std::vector<int64_t> sweep;
  std::vector<bench::Expectation> expectations;
  double time_scale = 1.0;
  int64_t warmup_requests = 1;
  // Building the prompts, which a real tokenizer must not make the
  // bottleneck: its wall time, reported before the run.
  double prompt_build_seconds = 0;
};

StatusOr<std::vector<BenchmarkPrompt>> LoadPrompts(
    const BenchFlags& flags, bench::Backend backend,
    const std::shared_ptr<const tokenizer::Tokenizer>& tokenizer) {
  if (flags.dataset_name == "random") {
    // The same command line draws the same workload as the engine's own
    // client: SGLang reads --random-range-ratio differently from vLLM.
    return bench::RandomDataset({.num_prompts = flags.num_prompts,
                                 .input_len = flags.random_input_len,
                                 .output_len = flags.random_output_len,
                                 .range_ratio = flags.random_range_ratio,
                                 .range_rule = bench::IsSglang(backend)
                                                   ? bench::RangeRatioRule::kSglang
                                                   : bench::RangeRatioRule::kVllm,
                                 .seed = flags.seed,
                                 .tokenizer = tokenizer});
  }
  if (flags.dataset_name == "sharegpt") {
    if (flags.dataset_path.empty()) {
      return InvalidArgumentError("--dataset-path: required for the sharegpt dataset");
    }
    StatusOr<std::string> text = ReadFile(flags.dataset_path);
    if (!text.ok()) return text.status().WithContext("--dataset-path");
    StatusOr<std::vector<BenchmarkPrompt>> prompts = bench::ShareGptDataset(
        *text, {.num_prompts = flags.num_prompts,
                .output_len = flags.sharegpt_output_len,
                .rule = bench::IsSglang(backend) ? bench::ShareGptRule::kSglang
                                                 : bench::ShareGptRule::kVllm,
                .seed = flags.seed,
                .tokenizer = tokenizer});
    if (!prompts.ok()) return prompts.status().WithContext("--dataset-path " + flags.dataset_path);
    return prompts;
  }
  if (flags.dataset_name == "generated-shared-prefix") {
    return bench::SharedPrefixDataset({.num_groups = flags.gsp_num_groups,
                                       .prompts_per_group = flags.gsp_prompts_per_group,
                                       .system_prompt_len = flags.gsp_system_prompt_len,
                                       .question_len = flags.gsp_question_len,
                                       .output_len = flags.gsp_output_len,
                                       .seed = flags.seed,
                                       .tokenizer = tokenizer});
  }
  return InvalidArgumentError(
      "--dataset-name: must be random, sharegpt or generated-shared-prefix; got " +
      Quote(flags.dataset_name));
}

// The id of the server's first model, as vLLM's benchmark does without
// --model.
StatusOr<std::string> FirstServedModel(const bench::LoadOptions& load) {
  StatusOr<http::HttpClientResponse> response = http::FetchAndWait(
      {.url = load.base_url + "/v1/models", .headers = load.headers},
      {.connect_timeout = std::chrono::seconds(10), .read_timeout = std::chrono::seconds(30)});
  StatusOr<std::string> model = InvalidArgumentError("GET /v1/models listed no model");
  if (!response.ok()) {
    model = response.status();
  } else if (response->status != 200) {
    model = UnavailableError("GET /v1/models: HTTP " + std::to_string(response->status));
  } else if (StatusOr<nlohmann::json> body = ParseJson(response->body);
             body.ok() && body->contains("data") && (*body)["data"].is_array() &&
             !(*body)["data"].empty() && (*body)["data"][0].contains("id") &&
             (*body)["data"][0]["id"].is_string()) {
    model = (*body)["data"][0]["id"].get<std::string>();
  }
  if (!model.ok()) return model.status().WithContext("--model not given, and asking the server");
  return model;
}

StatusOr<BenchPlan> Plan(const BenchFlags& flags) {
  BenchPlan plan;
  TESSERA_ASSIGN_OR_RETURN(plan.load.backend, bench::ParseBackend(flags.backend));
  plan.load.base_url = flags.base_url.empty()
                           ? "http://" + flags.host + ":" + std::to_string(flags.port)
                           : flags.base_url;
  while (!plan.load.base_url.empty() && plan.load.base_url.back() == '/') {
    plan.load.base_url.pop_back();
  }
  plan.load.endpoint = flags.endpoint.empty()
                           ? std::string(bench::DefaultEndpoint(plan.load.backend))
                           : flags.endpoint;
  if (plan.load.endpoint != "/v1/completions" && plan.load.endpoint != "/v1/chat/completions" &&
      plan.load.endpoint != "/generate") {
    return InvalidArgumentError(
        "--endpoint: must be /v1/completions, /v1/chat/completions or /generate");
  }
  if (plan.load.endpoint != bench::DefaultEndpoint(plan.load.backend)) {
    return InvalidArgumentError(
        "--endpoint: " + plan.load.endpoint + " does not go with --backend " + flags.backend +
        ", which sends to " + std::string(bench::DefaultEndpoint(plan.load.backend)));
  }
  if (flags.ignore_eos && flags.disable_ignore_eos) {
    return InvalidArgumentError("--ignore-eos and --disable-ignore-eos: give one or the other");
  }
  // SGLang's client asks for the whole output length unless told not to;
  // vLLM's only when told to.
  plan.load.ignore_eos =
      flags.ignore_eos || (bench::IsSglang(plan.load.backend) && !flags.disable_ignore_eos);
  if (!flags.api_key.empty()) {
    plan.load.headers.push_back({"Authorization", "Bearer " + flags.api_key});
  }
  StatusOr<std::chrono::nanoseconds> timeout = ParseDuration(flags.request_timeout);
  if (!timeout.ok()) return timeout.status().WithContext("--request-timeout");
  plan.load.request_timeout = std::chrono::duration_cast<std::chrono::milliseconds>(*timeout);
  if (flags.max_concurrency) {
    if (*flags.max_concurrency <= 0) {
      return InvalidArgumentError("--max-concurrency: must be positive");
    }
    plan.load.max_concurrency = *flags.max_concurrency;
  }

  TESSERA_ASSIGN_OR_RETURN(const double rate, ParseNumber("--request-rate", flags.request_rate));
  if (!flags.tokenizer.empty()) {
    TESSERA_ASSIGN_OR_RETURN(plan.load.tokenizer, tokenizer::LoadTokenizer(flags.tokenizer));
  }
  const auto building = std::chrono::steady_clock::now();
  TESSERA_ASSIGN_OR_RETURN(plan.prompts,
                           LoadPrompts(flags, plan.load.backend, plan.load.tokenizer));
  plan.prompt_build_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - building).count();
  TESSERA_ASSIGN_OR_RETURN(
      plan.arrivals, bench::ArrivalOffsets(static_cast<int64_t>(plan.prompts.size()),
                                           rate / flags.time_scale, flags.burstiness, flags.seed));
  TESSERA_ASSIGN_OR_RETURN(plan.goodput, bench::ParseGoodput(flags.goodput));

  plan.run.percentile_metrics = SplitList(flags.percentile_metrics);
  for (const std::string& metric : plan.run.percentile_metrics) {
    if (std::find(kMetricNames.begin(), kMetricNames.end(), metric) == kMetricNames.end()) {
      return InvalidArgumentError("--percentile-metrics: unknown metric " + Quote(metric) +
                                  " (ttft, tpot, itl, e2el)");
    }
  }
  for (const std::string& item : SplitList(flags.metric_percentiles)) {
    TESSERA_ASSIGN_OR_RETURN(const double percentile, ParseNumber("--metric-percentiles", item));
    // Negated so that NaN, which fails every comparison, is rejected too.
    // NOLINTNEXTLINE(readability-simplify-boolean-expr)
    if (!(percentile > 0 && percentile <= 100)) {
      return InvalidArgumentError("--metric-percentiles: " + item + " is not in (0, 100]");
    }
    plan.run.metric_percentiles.push_back(percentile);
  }
  for (const std::string& item : SplitList(flags.sweep_concurrency)) {
    TESSERA_ASSIGN_OR_RETURN(const double concurrency, ParseNumber("--sweep-concurrency", item));
    if (concurrency < 1 || concurrency != std::floor(concurrency)) {
      return InvalidArgumentError("--sweep-concurrency: " + item + " is not a positive integer");
    }
    plan.sweep.push_back(static_cast<int64_t>(concurrency));
  }
  if (!flags.expect.empty()) {
    const size_t hash = flags.expect.find('#');
    const std::string path = flags.expect.substr(0, hash);
    StatusOr<std::string> text = ReadFile(path);
    if (!text.ok()) return text.status().WithContext("--expect");
    StatusOr<std::vector<bench::Expectation>> expectations = bench::ParseExpectations(
        *text, hash == std::string::npos ? "" : flags.expect.substr(hash + 1));
    if (!expectations.ok()) return expectations.status().WithContext("--expect " + flags.expect);
    plan.expectations = *std::move(expectations);
  }

  plan.load.model = flags.model;
  if (plan.load.model.empty()) {
    TESSERA_ASSIGN_OR_RETURN(plan.load.model, FirstServedModel(plan.load));
  }

  plan.run.backend = flags.backend;
  plan.run.model = plan.load.model;
  plan.run.tokenizer = flags.tokenizer.empty() ? "tessera-stand-in" : flags.tokenizer;
  plan.run.base_url = plan.load.base_url;
  plan.run.endpoint = plan.load.endpoint;
  plan.run.dataset_name = flags.dataset_name;
  plan.run.num_prompts = static_cast<int64_t>(plan.prompts.size());
  plan.run.request_rate = rate;
  plan.time_scale = flags.time_scale;
  if (flags.warmup_requests < 0) {
    return InvalidArgumentError("--warmup-requests: must be 0 (no warm-up) or more");
  }
  plan.warmup_requests = flags.warmup_requests;
  plan.run.burstiness = flags.burstiness;
  plan.run.max_concurrency = flags.max_concurrency;
  plan.run.random_input_len = flags.random_input_len;
  plan.run.random_output_len = flags.random_output_len;
  plan.run.random_range_ratio = flags.random_range_ratio;
  plan.run.sharegpt_output_len = flags.sharegpt_output_len;
  std::array<char, 32> date{};
  const std::time_t now = std::time(nullptr);
  std::tm local{};
  localtime_r(&now, &local);
  std::strftime(date.data(), date.size(), "%Y%m%d-%H%M%S", &local);
  plan.run.date = date.data();
  return plan;
}

struct RunOutcome {
  BenchmarkMetrics metrics;
  // vLLM's keys, whatever the backend: what --expect and the sweep table read.
  json result;
  // The block and the result file in the backend's own client's format.
  std::string block;
  json file_result;
};

// SGLang's accept length, which its client reads from /get_server_info
// after the run; a server without that API (vLLM, an older SGLang) has none.
std::optional<double> ServerAcceptLength(const bench::LoadOptions& load) {
  StatusOr<http::HttpClientResponse> response = http::FetchAndWait(
      {.url = load.base_url + "/get_server_info", .headers = load.headers},
      {.connect_timeout = std::chrono::seconds(5), .read_timeout = std::chrono::seconds(10)});
  if (!response.ok() || response->status != 200) return std::nullopt;
  StatusOr<nlohmann::json> body = ParseJson(response->body);
  if (!body.ok()) return std::nullopt;
  return bench::AcceptLengthFromServerInfo(*body);
}

// What building the prompts cost, for the line printed once before the runs.
std::string PromptBuildLine(const BenchPlan& plan) {
  int64_t prompt_tokens = 0;
  for (const BenchmarkPrompt& prompt : plan.prompts) prompt_tokens += prompt.prompt_len;
  std::ostringstream built;
  built << std::fixed << std::setprecision(3) << "Prompts: " << plan.prompts.size() << " ("
        << prompt_tokens << " tokens) built with " << plan.run.tokenizer << " in "
        << plan.prompt_build_seconds << " s (" << std::setprecision(0)
        << static_cast<double>(prompt_tokens) / std::max(plan.prompt_build_seconds, 1e-9)
        << " tokens/s)\n";
  return built.str();
}

StatusOr<RunOutcome> RunOnce(const BenchPlan& plan, bool show_progress, std::ostream& err) {
  const bool terminal = &err == &std::cerr && isatty(STDERR_FILENO) == 1;
  bench::ProgressReporter progress(err, terminal);
  const auto report = [&](const bench::LoadProgress& update) { progress.Update(update); };
  std::function<void(const bench::LoadProgress&)> on_progress;
  if (show_progress) on_progress = report;
  if (plan.warmup_requests > 0) {
    err << "Warm-up: " << plan.warmup_requests
        << (plan.warmup_requests == 1 ? " request" : " requests")
        << " with the first prompt, excluded from the figures\n";
  }
  TESSERA_ASSIGN_OR_RETURN(
      bench::LoadResult result,
      bench::RunLoadAfterWarmup(plan.load, plan.prompts, plan.arrivals, plan.warmup_requests,
                                on_progress, std::chrono::milliseconds(terminal ? 200 : 1000)));
  RunOutcome outcome;
  bench::ToServerTime(plan.time_scale, result.outcomes, result.duration_seconds);
  outcome.metrics = bench::CalculateMetrics(result.outcomes, result.duration_seconds,
                                            plan.run.metric_percentiles, plan.goodput);
  outcome.result = bench::ResultJson(outcome.metrics, result.outcomes, plan.run);
  if (bench::IsSglang(plan.load.backend)) {
    bench::SglangFigures figures =
        bench::CalculateSglangFigures(result.outcomes, outcome.metrics, *plan.load.tokenizer);
    figures.accept_length = ServerAcceptLength(plan.load);
    outcome.block = bench::FormatSglangResultBlock(outcome.metrics, figures, plan.run);
    outcome.file_result =
        bench::SglangResultJson(outcome.metrics, figures, result.outcomes, plan.run);
  } else {
    outcome.block = bench::FormatResultBlock(outcome.metrics, plan.run);
    outcome.file_result = outcome.result;
  }
  return outcome;
}

std::string TwoDecimals(double value) {
  std::array<char, 64> text{};
  std::snprintf(text.data(), text.size(), "%.2f", value);
  return text.data();
}

std::string SweepTable(const std::vector<int64_t>& sweep, const std::vector<RunOutcome>& runs) {
  using Align = TextTable::Align;
  TextTable table({{"concurrency", Align::kRight},
                   {"completed", Align::kRight},
                   {"failed", Align::kRight},
                   {"req/s", Align::kRight},
                   {"output tok/s", Align::kRight},
                   {"mean TTFT ms", Align::kRight},
                   {"P99 TTFT ms", Align::kRight},
                   {"mean TPOT ms", Align::kRight},
                   {"P99 TPOT ms", Align::kRight},
                   {"mean ITL ms", Align::kRight}});
  for (size_t i = 0; i < runs.size(); ++i) {
    const BenchmarkMetrics& metrics = runs[i].metrics;
    const json& result = runs[i].result;
    const auto figure = [&](const std::string& key) {
      return result.contains(key) ? TwoDecimals(result[key].get<double>()) : std::string("-");
    };
    table.AddRow({std::to_string(sweep[i]), std::to_string(metrics.completed),
                  std::to_string(metrics.failed), TwoDecimals(metrics.request_throughput),
                  TwoDecimals(metrics.output_throughput), TwoDecimals(metrics.ttft.mean_ms),
                  figure("p99_ttft_ms"), TwoDecimals(metrics.tpot.mean_ms), figure("p99_tpot_ms"),
                  TwoDecimals(metrics.itl.mean_ms)});
  }
  return table.Render();
}

Status WriteSweepChart(const std::string& path, const std::vector<RunOutcome>& runs,
                       const std::string& model) {
  bench::chart::ChartSeries ttft{.label = "mean TTFT (ms)"};
  bench::chart::ChartSeries tpot{.label = "mean TPOT (ms)", .right_axis = true};
  for (const RunOutcome& run : runs) {
    ttft.points.emplace_back(run.metrics.output_throughput, run.metrics.ttft.mean_ms);
    tpot.points.emplace_back(run.metrics.output_throughput, run.metrics.tpot.mean_ms);
  }
  bench::chart::LineChartSpec spec;
  spec.title = model + ": latency against throughput, one point per concurrency";
  spec.x_label = "output token throughput (tok/s)";
  spec.left_label = "mean TTFT (ms)";
  spec.right_label = "mean TPOT (ms)";
  spec.series = {ttft, tpot};
  StatusOr<std::string> png = bench::chart::RenderLineChartPng(spec);
  if (!png.ok()) return png.status();
  return WriteFileAtomically(path, *png);
}

}  // namespace

CLI::App* AddBenchCommand(CLI::App& app, BenchFlags& flags) {
  CLI::App* bench = app.add_subcommand(
      "bench", "Benchmark an OpenAI-compatible endpoint, reporting what vLLM's benchmark reports");
  bench->add_option("--base-url", flags.base_url, "Server URL; overrides --host and --port");
  bench->add_option("--host", flags.host)->capture_default_str();
  bench->add_option("--port", flags.port)->check(CLI::Range(1, 65535))->capture_default_str();
  bench->add_option("--endpoint", flags.endpoint,
                    "/v1/completions or /v1/chat/completions (default: the backend's)");
  bench
      ->add_option("--backend", flags.backend,
                   "openai, openai-chat, vllm, sglang (sglang-native) or sglang-oai")
      ->capture_default_str();
  bench->add_option("--model", flags.model, "Model name (default: the server's first)");
  bench->add_option("--api-key", flags.api_key, "Sent as a bearer token");
  bench
      ->add_option("--dataset-name", flags.dataset_name,
                   "random, sharegpt or generated-shared-prefix")
      ->capture_default_str();
  bench->add_option("--dataset-path", flags.dataset_path, "ShareGPT JSON file");
  bench->add_option("--random-input-len", flags.random_input_len)->capture_default_str();
  bench->add_option("--random-output-len", flags.random_output_len)->capture_default_str();
  bench->add_option("--random-range-ratio", flags.random_range_ratio)->capture_default_str();
  bench->add_option("--sharegpt-output-len", flags.sharegpt_output_len,
                    "Output length for every ShareGPT prompt (default: the conversation's)");
  bench->add_option("--gsp-num-groups", flags.gsp_num_groups)->capture_default_str();
  bench->add_option("--gsp-prompts-per-group", flags.gsp_prompts_per_group)->capture_default_str();
  bench->add_option("--gsp-system-prompt-len", flags.gsp_system_prompt_len)->capture_default_str();
  bench->add_option("--gsp-question-len", flags.gsp_question_len)->capture_default_str();
  bench->add_option("--gsp-output-len", flags.gsp_output_len)->capture_default_str();
  bench->add_option("--tokenizer", flags.tokenizer,
                    "The served model's tokenizer, to build and count prompts with: a "
                    "tokenizer.json, a directory holding one, or a Hugging Face model id in the "
                    "local cache (default: Tessera's stand-in, which tessera-engine-sim shares)");
  bench->add_option("--num-prompts", flags.num_prompts)->capture_default_str();
  bench->add_option("--max-concurrency", flags.max_concurrency, "Requests in flight at most");
  bench->add_option("--request-rate", flags.request_rate, "Requests per second, or inf")
      ->capture_default_str();
  bench
      ->add_option("--burstiness", flags.burstiness,
                   "Gamma shape of arrival gaps: 1 is Poisson, lower is burstier")
      ->capture_default_str();
  bench
      ->add_option("--seed", flags.seed,
                   "Seed of the prompts and the arrivals, 0 to 4294967295: the same seed picks "
                   "the ShareGPT prompts, their order and their arrival times that vLLM's and "
                   "SGLang's own clients pick")
      ->capture_default_str();
  bench
      ->add_option("--time-scale", flags.time_scale,
                   "The server's wall seconds per second of its own time (tessera-engine-sim "
                   "--time-scale): the rate and every figure are in the server's time")
      ->check(CLI::Range(1e-6, 1e6))
      ->capture_default_str();
  bench->add_option("--percentile-metrics", flags.percentile_metrics, "Of ttft, tpot, itl, e2el")
      ->capture_default_str();
  bench->add_option("--metric-percentiles", flags.metric_percentiles, "e.g. 50,90,99")
      ->capture_default_str();
  bench->add_option("--goodput", flags.goodput, "SLOs in ms, e.g. ttft:500 tpot:50");
  bench->add_flag("--ignore-eos", flags.ignore_eos,
                  "Ask for exactly the output length (the default with the SGLang backends)");
  bench->add_flag("--disable-ignore-eos", flags.disable_ignore_eos,
                  "With the SGLang backends, let the model stop on its own, as SGLang's flag");
  bench->add_option("--result-file", flags.result_file, "Write the result JSON here");
  bench->add_option("--sweep-concurrency", flags.sweep_concurrency,
                    "Run the workload at each concurrency, e.g. 1,4,8,16,32");
  bench->add_option("--sweep-chart", flags.sweep_chart, "PNG chart of a sweep")
      ->capture_default_str();
  bench->add_option("--expect", flags.expect,
                    "Expected figures (SGLang's expected_results), FILE or FILE#PATH");
  bench->add_option("--request-timeout", flags.request_timeout, "Per request, e.g. 10m")
      ->capture_default_str();
  bench
      ->add_option("--warmup-requests", flags.warmup_requests,
                   "Copies of the first prompt sent before measuring and left out of every "
                   "figure; the run stops if none succeeds. 0 skips the warm-up")
      ->capture_default_str();
  bench->add_flag("--disable-tqdm,--no-progress", flags.disable_progress, "No progress display");
  return bench;
}

int RunBenchCommand(const BenchFlags& flags, std::ostream& out, std::ostream& err) {
  StatusOr<BenchPlan> plan = Plan(flags);
  if (!plan.ok()) {
    err << "tessera bench: " << plan.status().message() << "\n";
    return kInvalidInput;
  }
  err << PromptBuildLine(*plan);
  const std::vector<int64_t> concurrencies =
      plan->sweep.empty() ? std::vector<int64_t>{plan->load.max_concurrency} : plan->sweep;
  std::vector<RunOutcome> runs;
  for (const int64_t concurrency : concurrencies) {
    if (!plan->sweep.empty()) {
      plan->load.max_concurrency = concurrency;
      plan->run.max_concurrency = concurrency;
      out << "\nmax concurrency " << concurrency << "\n";
    }
    StatusOr<RunOutcome> run = RunOnce(*plan, !flags.disable_progress, err);
    if (!run.ok()) {
      err << "tessera bench: " << run.status().message() << "\n";
      return kInvalidInput;
    }
    out << run->block;
    if (plan->time_scale != 1.0) {
      out << "Times above are the server's: wall times divided by --time-scale " << plan->time_scale
          << "\n";
    }
    out << std::flush;
    runs.push_back(*std::move(run));
  }

  if (!plan->sweep.empty()) {
    out << "\n" << SweepTable(plan->sweep, runs);
    if (Status chart = WriteSweepChart(flags.sweep_chart, runs, plan->run.model); !chart.ok()) {
      err << "tessera bench: --sweep-chart: " << chart.message() << "\n";
    } else {
      out << "chart: " << flags.sweep_chart << "\n";
    }
  }
  if (!flags.result_file.empty()) {
    json document = json::array();
    for (const RunOutcome& run : runs) document.push_back(run.file_result);
    const std::string text = (plan->sweep.empty() ? document[0] : document).dump(2) + "\n";
    if (Status written = WriteFileAtomically(flags.result_file, text); !written.ok()) {
      err << "tessera bench: --result-file: " << written.message() << "\n";
      return kInvalidInput;
    }
  }
  if (plan->expectations.empty()) return kCompleted;
  bool passed = true;
  for (size_t i = 0; i < runs.size(); ++i) {
    const bench::Verdict verdict = bench::CheckExpectations(plan->expectations, runs[i].result);
    out << "\nExpected figures (" << flags.expect
        << (plan->sweep.empty() ? "" : ", concurrency " + std::to_string(concurrencies[i]))
        << "):\n"
        << verdict.report;
    passed = passed && verdict.passed;
  }
  return passed ? kCompleted : kShortOfExpectations;
}

}  // namespace tessera::cli
