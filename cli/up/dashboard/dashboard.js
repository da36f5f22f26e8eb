// The tessera up dashboard. Read-only: it polls the JSON API of
// docs/up-api.md and draws what it reads; nothing here changes anything.
//
// For browser tests every drawn thing carries data-* attributes:
//   body                     data-api-state = loading | ok | unreachable
//   deployment rows          data-deployment = "ns/name", data-ready, data-workers
//   partition cells          data-worker, data-state, data-deployment, data-node, data-gpu,
//                            data-partition
//   chart canvases           data-chart, data-points (non-null points drawn), data-deployment
//   event rows               data-deployment, data-reason
"use strict";

(() => {
  const POLL_MILLISECONDS = 2000;
  const REQUEST_TIMEOUT_MILLISECONDS = 5000;
  const METRICS_SECONDS = 900;
  const ROLES = ["worker", "prefill", "decode", "router"];
  const STATES = ["ready", "starting", "pending", "backoff", "draining", "stopping", "stopped",
                  "failed"];
  const GIB = 1024 ** 3;

  const view = {
    overview: null,
    metrics: null,
    overviewOk: false,
    metricsOk: false,
    lastSuccess: null,
    lastError: "",
    selectedDeployment: null,
  };

  // --- small DOM helpers -----------------------------------------------------

  function element(tag, attributes = {}, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attributes)) {
      if (value === undefined || value === null) continue;
      if (name === "class") node.className = value;
      else if (name === "text") node.textContent = value;
      else if (name === "style") node.setAttribute("style", value);
      else node.setAttribute(name, String(value));
    }
    for (const child of children) {
      if (child === null || child === undefined || child === false) continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }

  const byId = (id) => document.getElementById(id);

  function cssVariable(name) {
    return getComputedStyle(document.documentElement).getPropertyValue(name).trim();
  }

  // --- formatting ---------------------------------------------------------------

  function formatClock(date) {
    return date.toLocaleTimeString([], {hour: "2-digit", minute: "2-digit", second: "2-digit",
                                        hour12: false});
  }

  function formatEventTime(text) {
    const date = new Date(text);
    if (Number.isNaN(date.getTime())) return text || "";
    const now = new Date();
    const sameDay = date.toDateString() === now.toDateString();
    return sameDay ? formatClock(date)
                   : `${date.toLocaleDateString([], {month: "short", day: "numeric"})} ${formatClock(date)}`;
  }

  function formatGib(bytes) {
    const gib = bytes / GIB;
    return gib >= 100 ? gib.toFixed(0) : gib.toFixed(1);
  }

  function formatNumber(value, digits) {
    if (value === null || value === undefined || !Number.isFinite(value)) return "–";
    const magnitude = Math.abs(value);
    if (digits === undefined) digits = magnitude >= 100 ? 0 : magnitude >= 10 ? 1 : 2;
    return value.toLocaleString([], {maximumFractionDigits: digits, minimumFractionDigits: 0});
  }

  // --- workers ------------------------------------------------------------------

  // "default.llama-8b.decode-3b4fd96e-1" -> 1; the controller names its
  // workers <namespace>.<deployment>.<role>-<spec hash>-<index>.
  function workerIndex(id) {
    const match = /-(\d+)$/.exec(id || "");
    return match ? match[1] : "";
  }

  function workerRole(worker) {
    return (worker && worker.spec && worker.spec.role) || "worker";
  }

  function workerDeployment(worker) {
    const spec = (worker && worker.spec) || {};
    if (!spec.deployment) return "";
    return `${spec.namespace || "default"}/${spec.deployment}`;
  }

  // Every worker by id, from the agents' list and, for what it lacks, from
  // the deployments' status (which names the node and state too).
  function workerTable(overview) {
    const table = new Map();
    for (const deployment of overview.deployments || []) {
      const key = `${deployment.namespace}/${deployment.name}`;
      const status = deployment.status || {};
      for (const worker of status.workers || []) {
        table.set(worker.name, {id: worker.name, deployment: key, deploymentName: deployment.name,
                                role: worker.role || "worker", state: worker.state || "unknown",
                                ready: !!worker.ready});
      }
    }
    for (const worker of overview.workers || []) {
      const spec = worker.spec || {};
      const previous = table.get(worker.id) || {};
      table.set(worker.id, {
        id: worker.id,
        deployment: workerDeployment(worker) || previous.deployment || "",
        deploymentName: spec.deployment || previous.deploymentName || "",
        role: spec.role || previous.role || "worker",
        state: worker.state || previous.state || "unknown",
        ready: worker.ready ?? previous.ready,
        restarts: worker.restarts,
        reason: worker.reason,
      });
    }
    return table;
  }

  // --- deployments --------------------------------------------------------------

  function renderDeployments(overview) {
    const body = byId("deployments").querySelector("tbody");
    const deployments = overview.deployments || [];
    const rows = [];
    let readyCount = 0;
    for (const deployment of deployments) {
      const key = `${deployment.namespace}/${deployment.name}`;
      const spec = deployment.spec || {};
      const status = deployment.status || null;
      const conditions = (status && status.conditions) || [];
      const ready = conditions.find((condition) => condition.type === "Ready");
      if (ready && ready.status === "True") readyCount += 1;

      const model = spec.model || {};
      const modelCell = element("td", {},
          element("div", {class: "mono", text: model.servedName || model.source || "–"}),
          model.servedName && model.source
              ? element("div", {class: "sub mono", text: model.source}) : null,
          spec.engine && spec.engine.kind
              ? element("div", {class: "sub", text: `engine ${spec.engine.kind}`}) : null);

      const chips = element("div", {class: "chips"});
      for (const role of ROLES) {
        const roleStatus = status && status[role];
        const roleSpec = spec[role];
        if (!roleStatus && !roleSpec) continue;
        const desired = roleStatus ? roleStatus.desired
                                   : (roleSpec.replicas ?? (role === "router" ? 1 : 0));
        const readyWorkers = roleStatus ? roleStatus.ready ?? 0 : 0;
        chips.append(element("span", {class: "chip", "data-role": role,
                                      "data-complete": String(readyWorkers >= desired)},
                             element("span", {class: "dot"}),
                             `${role} ${readyWorkers}/${desired}`));
      }

      const readyCell = element("td");
      if (ready) {
        readyCell.append(element("span", {class: "badge", "data-status": ready.status,
                                          title: ready.message || "",
                                          text: ready.status === "True" ? "Ready" : "Not ready"}));
        if (ready.reason) readyCell.append(element("div", {class: "sub", text: ready.reason}));
        if (ready.status !== "True" && ready.message) {
          readyCell.append(element("div", {class: "sub", text: ready.message}));
        }
      } else {
        readyCell.append(element("span", {class: "badge", text: status ? "Unknown" : "Pending"}));
        if (!status) readyCell.append(element("div", {class: "sub", text: "no status yet"}));
      }

      const workerNames = ((status && status.workers) || []).map((worker) => worker.name);
      rows.push(element("tr", {"data-deployment": key,
                               "data-ready": ready ? ready.status : "Unknown",
                               "data-workers": workerNames.join(" ")},
          element("td", {},
              element("span", {class: "deployment-namespace", text: `${deployment.namespace}/`}),
              element("span", {class: "deployment-name", text: deployment.name})),
          modelCell,
          element("td", {text: spec.mode || "aggregated"}),
          element("td", {}, chips),
          element("td", {class: "mono", text: (status && status.endpoint) || "–"}),
          readyCell));
    }
    body.replaceChildren(...rows);
    byId("deployments-empty").hidden = deployments.length > 0;
    byId("deployments-summary").textContent =
        deployments.length ? `${readyCount} of ${deployments.length} ready` : "";
  }

  // --- partition map ------------------------------------------------------------

  function renderStateLegend() {
    const legend = byId("state-legend");
    if (legend.childElementCount) return;
    for (const state of ["ready", "starting", "pending", "backoff", "draining", "failed"]) {
      legend.append(element("span", {class: "legend-item"},
                            element("span", {class: "swatch",
                                             style: `background: var(--state-${state})`}),
                            state));
    }
    legend.append(element("span", {class: "legend-item"},
                          element("span", {class: "swatch",
                                           style: "background: var(--free-bg); " +
                                                  "border: 1px dashed var(--free-border)"}),
                          "free"));
  }

  function partitionColumns(count) {
    if (count <= 4) return Math.max(count, 1);
    if (count <= 8) return 4;
    return Math.ceil(Math.sqrt(count));
  }

  function renderPartition(node, gpu, partition, workers) {
    const holder = partition.worker || null;
    const worker = holder ? workers.get(holder) : null;
    const state = holder ? ((worker && worker.state) || "unknown") : "free";
    const known = STATES.includes(state) || state === "free" ? state : "unknown";
    const total = partition.vramTotalBytes || 0;
    const used = partition.vramUsedBytes;
    const fraction = total > 0 && Number.isFinite(used) ? Math.min(used / total, 1) : 0;

    const cell = element("div", {
      class: "partition",
      "data-node": node.hostname,
      "data-gpu": gpu.index,
      "data-partition": partition.index,
      "data-state": known,
      "data-worker": holder || "",
      "data-deployment": worker ? worker.deployment : "",
    });
    const titleLines = [`partition ${partition.index} (GPU ${gpu.index} #${partition.indexInGpu ?? "?"})`];
    cell.append(element("div", {class: "index", text: `#${partition.index}`}));
    if (holder) {
      const role = worker ? worker.role : "";
      const index = workerIndex(holder);
      cell.append(element("div", {class: "holder",
                                  text: (worker && worker.deploymentName) || holder}));
      cell.append(element("div", {class: "role", text: `${role}${index ? "-" + index : ""}`}));
      titleLines.push(holder, `state: ${state}`);
      if (worker && worker.restarts) titleLines.push(`restarts: ${worker.restarts}`);
      if (worker && worker.reason) titleLines.push(worker.reason);
    } else {
      cell.append(element("div", {class: "role", text: "free"}));
    }
    if (total > 0) {
      const usedText = Number.isFinite(used) ? formatGib(used) : "–";
      cell.append(element("div", {class: "vram", text: `${usedText} / ${formatGib(total)} GiB`}));
      titleLines.push(`VRAM ${usedText} of ${formatGib(total)} GiB`);
    }
    cell.append(element("div", {class: "vram-bar"},
                        element("span", {style: `width: ${(fraction * 100).toFixed(1)}%`})));
    cell.title = titleLines.join("\n");
    return cell;
  }

  function renderNodes(overview) {
    renderStateLegend();
    const workers = workerTable(overview);
    const container = byId("nodes");
    const nodes = overview.nodes || [];
    const sections = [];
    for (const node of nodes) {
      const gpus = node.gpus || [];
      const partitions = node.partitions || {};
      const head = element("div", {class: "node-head"},
          element("span", {class: "node-name", text: node.hostname || "node"}),
          element("span", {class: "muted",
                           text: [node.gpuBackend ? `backend ${node.gpuBackend}` : null,
                                  `${gpus.length} GPU${gpus.length === 1 ? "" : "s"}`,
                                  partitions.total !== undefined
                                      ? `${partitions.free} of ${partitions.total} partitions free`
                                      : null].filter(Boolean).join(" · ")}));
      const grid = element("div", {class: "gpus"});
      for (const gpu of gpus) {
        const cells = (gpu.partitions || []).map(
            (partition) => renderPartition(node, gpu, partition, workers));
        const mode = [gpu.computePartition, gpu.memoryPartition].filter(Boolean)
                         .map((text) => text.toUpperCase()).join("/");
        const vram = gpu.vramTotalBytes
            ? `${Number.isFinite(gpu.vramUsedBytes) ? formatGib(gpu.vramUsedBytes) : "–"} / ` +
              `${formatGib(gpu.vramTotalBytes)} GiB`
            : "";
        const partitionGrid = element("div", {class: "partition-grid",
            style: `grid-template-columns: repeat(${partitionColumns(cells.length)}, minmax(0, 1fr))`},
            ...cells);
        grid.append(element("div", {class: "gpu", "data-node": node.hostname, "data-gpu": gpu.index},
            element("div", {class: "gpu-head"},
                element("span", {},
                    element("span", {class: "gpu-title", text: `GPU ${gpu.index}`}),
                    element("span", {class: "muted",
                                     text: ` · ${gpu.name || gpu.product || ""}${mode ? " · " + mode : ""}`})),
                element("span", {class: "muted", text: vram})),
            partitionGrid));
      }
      sections.push(element("div", {class: "node", "data-node": node.hostname}, head, grid));
    }
    container.replaceChildren(...sections);
    byId("nodes-empty").hidden = nodes.length > 0;
  }

  // --- events -------------------------------------------------------------------

  function renderEvents(overview) {
    const events = (overview.events || []).slice().reverse();
    const rows = events.map((event) => element("tr", {"data-deployment": event.deployment || "",
                                                      "data-reason": event.reason || ""},
        element("td", {class: "mono", text: formatEventTime(event.lastTime || event.firstTime)}),
        element("td", {}, element("span", {class: "badge", "data-type": event.type || "Normal",
                                           text: event.type || "Normal"})),
        element("td", {text: event.reason || ""}),
        element("td", {class: "mono", text: event.deployment || ""}),
        element("td", {text: event.message || ""}),
        element("td", {class: "num", text: event.count > 1 ? `×${event.count}` : ""})));
    byId("events").querySelector("tbody").replaceChildren(...rows);
    byId("events-empty").hidden = events.length > 0;
  }

  // --- charts -------------------------------------------------------------------

  // Round tick steps (1, 2, 5 × 10^n) for about `count` ticks over [low, high].
  function niceTicks(low, high, count) {
    if (!(high > low)) high = low + 1;
    const rough = (high - low) / Math.max(count, 1);
    const power = 10 ** Math.floor(Math.log10(rough));
    const step = [1, 2, 5, 10].map((factor) => factor * power).find((value) => value >= rough);
    const ticks = [];
    for (let value = Math.ceil(low / step) * step; value <= high + step * 1e-9; value += step) {
      ticks.push(Math.abs(value) < step * 1e-9 ? 0 : value);
    }
    return {ticks, step};
  }

  function timeTicks(start, end) {
    const candidates = [10, 15, 30, 60, 120, 300, 600, 900];
    const span = end - start;
    const step = candidates.find((value) => span / value <= 5) || 1800;
    const ticks = [];
    for (let value = Math.ceil(start / step) * step; value <= end; value += step) ticks.push(value);
    return {ticks, step};
  }

  function drawChart(canvas, chart) {
    const ratio = window.devicePixelRatio || 1;
    const width = Math.max(canvas.clientWidth, 200);
    const height = Math.max(canvas.clientHeight, 120);
    if (canvas.width !== Math.round(width * ratio) || canvas.height !== Math.round(height * ratio)) {
      canvas.width = Math.round(width * ratio);
      canvas.height = Math.round(height * ratio);
    }
    const context = canvas.getContext("2d");
    context.setTransform(ratio, 0, 0, ratio, 0, 0);
    context.clearRect(0, 0, width, height);

    const times = chart.times || [];
    const font = getComputedStyle(document.documentElement).fontFamily;
    const axisColor = cssVariable("--axis");
    const gridColor = cssVariable("--grid");
    const mutedColor = cssVariable("--muted");
    context.font = `11px ${font}`;

    let maximum = -Infinity;
    let minimum = Infinity;
    for (const series of chart.series) {
      for (const value of series.values) {
        if (value === null || value === undefined || !Number.isFinite(value)) continue;
        const scaled = value * chart.scale;
        maximum = Math.max(maximum, scaled);
        minimum = Math.min(minimum, scaled);
      }
    }
    const hasData = Number.isFinite(maximum);
    let yLow = 0;
    let yHigh = hasData ? Math.max(maximum, chart.minimumHigh || 0) : (chart.minimumHigh || 1);
    if (minimum < 0) yLow = minimum;
    if (chart.fixedHigh !== undefined) yHigh = Math.max(chart.fixedHigh, hasData ? maximum : 0);
    if (yHigh <= yLow) yHigh = yLow + 1;
    const {ticks: yTicks} = niceTicks(yLow, yHigh * 1.05, 4);
    yHigh = Math.max(yHigh, yTicks[yTicks.length - 1]);

    const yLabels = yTicks.map((value) => formatNumber(value));
    const left = 8 + Math.max(...yLabels.map((label) => context.measureText(label).width), 12);
    const right = width - 8;
    const top = 16;
    const bottom = height - 20;

    let tStart = times.length ? times[0] : Date.now() / 1000 - 60;
    let tEnd = times.length ? times[times.length - 1] : Date.now() / 1000;
    if (tEnd - tStart < 60) tStart = tEnd - 60;
    const x = (time) => left + ((time - tStart) / (tEnd - tStart)) * (right - left);
    const y = (value) => bottom - ((value - yLow) / (yHigh - yLow)) * (bottom - top);

    // Grid and axes.
    context.lineWidth = 1;
    context.textBaseline = "middle";
    context.textAlign = "right";
    yTicks.forEach((value, i) => {
      const position = Math.round(y(value)) + 0.5;
      context.strokeStyle = gridColor;
      context.beginPath();
      context.moveTo(left, position);
      context.lineTo(right, position);
      context.stroke();
      context.fillStyle = mutedColor;
      context.fillText(yLabels[i], left - 5, position);
    });
    context.textAlign = "left";
    context.textBaseline = "alphabetic";
    context.fillStyle = mutedColor;
    context.fillText(chart.unit, left, 10);

    context.strokeStyle = axisColor;
    context.beginPath();
    context.moveTo(left + 0.5, top);
    context.lineTo(left + 0.5, bottom + 0.5);
    context.lineTo(right, bottom + 0.5);
    context.stroke();

    context.textAlign = "center";
    context.textBaseline = "top";
    const {ticks: xTicks, step: xStep} = timeTicks(tStart, tEnd);
    for (const tick of xTicks) {
      const position = Math.round(x(tick)) + 0.5;
      context.strokeStyle = axisColor;
      context.beginPath();
      context.moveTo(position, bottom);
      context.lineTo(position, bottom + 4);
      context.stroke();
      // hh:mm when every tick falls on a minute, hh:mm:ss otherwise.
      const label = formatClock(new Date(tick * 1000)).slice(0, xStep % 60 === 0 ? 5 : 8);
      context.fillStyle = mutedColor;
      context.fillText(label, Math.min(Math.max(position, left + 16), right - 16), bottom + 5);
    }

    // Series: a null ends a segment (a gap); a point alone is a dot.
    let points = 0;
    context.save();
    context.beginPath();
    context.rect(left, top - 2, right - left, bottom - top + 4);
    context.clip();
    for (const series of chart.series) {
      context.strokeStyle = series.color;
      context.fillStyle = series.color;
      context.lineWidth = 1.75;
      context.lineJoin = "round";
      let segment = [];
      const flush = () => {
        if (segment.length === 1) {
          context.beginPath();
          context.arc(segment[0][0], segment[0][1], 2.25, 0, 2 * Math.PI);
          context.fill();
        } else if (segment.length > 1) {
          context.beginPath();
          segment.forEach(([px, py], i) => (i ? context.lineTo(px, py) : context.moveTo(px, py)));
          context.stroke();
        }
        segment = [];
      };
      for (let i = 0; i < times.length; i += 1) {
        const value = series.values[i];
        if (value === null || value === undefined || !Number.isFinite(value)) {
          flush();
          continue;
        }
        segment.push([x(times[i]), y(value * chart.scale)]);
        points += 1;
      }
      flush();
    }
    context.restore();

    if (!hasData) {
      context.fillStyle = mutedColor;
      context.textAlign = "center";
      context.textBaseline = "middle";
      context.font = `12px ${font}`;
      context.fillText(times.length ? "no requests in this window" : "waiting for data",
                       (left + right) / 2, (top + bottom) / 2);
    }
    canvas.dataset.points = String(points);
  }

  const SERIES_COLORS = ["--series-1", "--series-2", "--series-3", "--series-4", "--series-5",
                         "--series-6"];
  const ROLE_COLORS = {worker: "--series-1", prefill: "--series-4", decode: "--series-1",
                       router: "--series-5"};

  function percentileSeries(data, field, quantiles) {
    const group = (data && data[field]) || {};
    return quantiles.map((quantile, i) => ({label: quantile, colorVariable: SERIES_COLORS[i],
                                            values: group[quantile] || []}));
  }

  function roleSeries(group) {
    const entries = Object.entries(group || {});
    entries.sort(([a], [b]) => ROLES.indexOf(a) - ROLES.indexOf(b));
    return entries.map(([role, values], i) => ({
      label: role,
      colorVariable: ROLE_COLORS[role] || SERIES_COLORS[i % SERIES_COLORS.length],
      values: values || [],
    }));
  }

  // What the metrics panel draws for one deployment's series.
  function chartDefinitions(data) {
    return [
      {id: "requests", title: "Request rate", unit: "req/s", scale: 1,
       series: [{label: "requests", colorVariable: "--series-1",
                 values: (data && data.requestsPerSecond) || []},
                {label: "errors", colorVariable: "--series-4",
                 values: (data && data.errorsPerSecond) || []}]},
      {id: "ttft", title: "Time to first token", unit: "ms", scale: 1000,
       series: percentileSeries(data, "ttftSeconds", ["p50", "p90", "p99"])},
      {id: "tpot", title: "Time per output token", unit: "ms", scale: 1000,
       series: percentileSeries(data, "tpotSeconds", ["p50", "p99"])},
      {id: "itl", title: "Inter-token latency", unit: "ms", scale: 1000,
       series: percentileSeries(data, "itlSeconds", ["p50", "p99"])},
      {id: "kv-cache", title: "KV-cache usage", unit: "%", scale: 100, fixedHigh: 100,
       series: roleSeries(data && data.kvCacheUsage)},
      {id: "replicas", title: "Ready replicas", unit: "workers", scale: 1, minimumHigh: 2,
       series: roleSeries(data && data.replicas)},
    ];
  }

  function lastValue(values) {
    for (let i = values.length - 1; i >= 0; i -= 1) {
      if (values[i] !== null && values[i] !== undefined && Number.isFinite(values[i])) return values[i];
    }
    return null;
  }

  function ensureChartCards(definitions) {
    const container = byId("charts");
    if (container.childElementCount === definitions.length) return;
    container.replaceChildren(...definitions.map((definition) => element("div",
        {class: "chart", "data-chart": definition.id},
        element("div", {class: "chart-head"},
            element("span", {class: "chart-title", text: definition.title}),
            element("span", {class: "chart-latest"})),
        element("div", {class: "legend"}),
        element("canvas", {"data-chart": definition.id, "data-points": "0",
                           role: "img", "aria-label": definition.title}))));
  }

  function deploymentKeys() {
    const keys = new Set();
    for (const deployment of (view.overview && view.overview.deployments) || []) {
      keys.add(`${deployment.namespace}/${deployment.name}`);
    }
    for (const key of Object.keys((view.metrics && view.metrics.deployments) || {})) keys.add(key);
    return [...keys].sort();
  }

  function renderSelector() {
    const keys = deploymentKeys();
    if (!keys.includes(view.selectedDeployment)) view.selectedDeployment = keys[0] || null;
    const select = byId("metrics-deployment");
    const current = [...select.options].map((option) => option.value);
    if (current.join("\n") !== keys.join("\n")) {
      select.replaceChildren(...keys.map((key) => element("option", {value: key, text: key})));
    }
    if (view.selectedDeployment) select.value = view.selectedDeployment;
    byId("metrics-select-label").hidden = keys.length < 2;
    byId("metrics-single").textContent = keys.length === 1 ? keys[0] : keys.length ? "" : "no deployment";
  }

  function renderCharts() {
    renderSelector();
    const key = view.selectedDeployment;
    const data = key && view.metrics && view.metrics.deployments
        ? view.metrics.deployments[key] || null : null;
    const definitions = chartDefinitions(data);
    ensureChartCards(definitions);
    const times = (data && data.time) || [];
    for (const definition of definitions) {
      const card = byId("charts").querySelector(`.chart[data-chart="${definition.id}"]`);
      const series = definition.series.map((entry) => ({...entry,
                                                        color: cssVariable(entry.colorVariable)}));
      const legend = card.querySelector(".legend");
      legend.replaceChildren(...series.map((entry) => element("span", {class: "legend-item"},
          element("span", {class: "swatch", style: `background: ${entry.color}`}), entry.label)));
      if (!series.length) legend.append(element("span", {text: "no series"}));
      const latest = series.map((entry) => {
        const value = lastValue(entry.values);
        return value === null ? null : `${entry.label} ${formatNumber(value * definition.scale)}`;
      }).filter(Boolean);
      card.querySelector(".chart-latest").textContent =
          latest.length ? `${latest.slice(0, 3).join(" · ")} ${definition.unit}` : "";
      const canvas = card.querySelector("canvas");
      canvas.dataset.deployment = key || "";
      drawChart(canvas, {...definition, series, times});
    }
  }

  // --- status line and banner -------------------------------------------------------

  function renderStatus() {
    const ok = view.overviewOk && view.metricsOk;
    const reachable = view.overviewOk || view.metricsOk;
    const state = view.lastSuccess === null && !reachable && !view.lastError ? "loading"
                  : ok ? "ok" : "unreachable";
    document.body.dataset.apiState = state;
    const live = byId("live");
    live.dataset.state = state;
    const banner = byId("api-banner");
    if (state === "unreachable") {
      const since = view.lastSuccess
          ? ` Showing what it answered at ${formatClock(view.lastSuccess)}.` : "";
      banner.textContent = `Cannot reach the tessera up API (${view.lastError}). ` +
                           `Retrying every ${POLL_MILLISECONDS / 1000} s.${since}`;
      banner.hidden = false;
      byId("live-text").textContent = "API unreachable";
    } else {
      banner.hidden = true;
      if (state === "ok") byId("live-text").textContent = `live · ${formatClock(view.lastSuccess)}`;
    }
    const stateDir = view.overview && view.overview.stateDir;
    byId("state-dir").textContent = stateDir ? stateDir : "";
  }

  // --- polling --------------------------------------------------------------------

  async function getJson(path) {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), REQUEST_TIMEOUT_MILLISECONDS);
    try {
      const response = await fetch(path, {signal: controller.signal, cache: "no-store",
                                          headers: {Accept: "application/json"}});
      if (!response.ok) {
        let detail = `${response.status} ${response.statusText}`.trim();
        try {
          const body = await response.json();
          if (body && body.error) detail += `: ${body.error}`;
        } catch (_) { /* not JSON: the status says enough */ }
        throw new Error(`${path}: ${detail}`);
      }
      return await response.json();
    } catch (error) {
      if (error.name === "AbortError") throw new Error(`${path}: no answer within 5 s`);
      if (error instanceof TypeError) throw new Error(`${path}: ${error.message}`);
      throw error;
    } finally {
      clearTimeout(timer);
    }
  }

  function safely(render) {
    try {
      render();
    } catch (error) {
      // A render bug must not stop the polling; it shows in the console.
      console.error("dashboard:", error);
    }
  }

  async function pollOverview() {
    try {
      view.overview = await getJson("/api/v1/overview");
      view.overviewOk = true;
      view.lastSuccess = new Date();
      safely(() => renderDeployments(view.overview));
      safely(() => renderNodes(view.overview));
      safely(() => renderEvents(view.overview));
    } catch (error) {
      view.overviewOk = false;
      view.lastError = error.message;
    }
    safely(renderStatus);
    setTimeout(pollOverview, POLL_MILLISECONDS);
  }

  async function pollMetrics() {
    try {
      view.metrics = await getJson(`/api/v1/metrics?seconds=${METRICS_SECONDS}`);
      view.metricsOk = true;
      view.lastSuccess = new Date();
    } catch (error) {
      view.metricsOk = false;
      view.lastError = error.message;
    }
    safely(renderCharts);
    safely(renderStatus);
    setTimeout(pollMetrics, POLL_MILLISECONDS);
  }

  function start() {
    byId("metrics-deployment").addEventListener("change", (event) => {
      view.selectedDeployment = event.target.value;
      safely(renderCharts);
    });
    let resizeTimer = null;
    window.addEventListener("resize", () => {
      clearTimeout(resizeTimer);
      resizeTimer = setTimeout(() => safely(renderCharts), 100);
    });
    window.matchMedia("(prefers-color-scheme: dark)")
        .addEventListener("change", () => safely(renderCharts));
    safely(renderCharts);
    pollOverview();
    pollMetrics();
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
