#!/usr/bin/env node
// Loads the tessera up dashboard in a headless Chromium and checks that it
// draws a live deployment, then saves a full-page screenshot.
//
//   node check_dashboard.mjs URL SCREENSHOT_PATH [--expect-deployment NS/NAME]
//        [--expect-partitions N] [--expect-unreachable] [--timeout-seconds S]
//        [--color-scheme light|dark] [--live-charts NAME,...]
//
// Fails (exit 1, with what was missing) on any console error, page error,
// failed request or HTTP error answer, or when within the timeout the page
// does not show all of:
//   - the API answering (body[data-api-state=ok]);
//   - the deployment's row (tr[data-deployment=NS/NAME]);
//   - at least N partitions (1 without --expect-partitions) in the map held
//     by workers the deployment's status lists;
//   - a chart of the deployment with at least two points drawn, and with
//     --live-charts (e.g. requests,ttft,tpot,itl) each of those charts: a
//     page fed by a deployment under load draws every series.
// With --expect-unreachable it checks the opposite case instead: the API
// failing, the page says so in its banner and keeps running (failed API
// requests are then expected; anything else failing still fails).
//
// It reads only the page, never the API, so it checks a real `tessera up`
// exactly as it checks a fake one. Browser: Debian's chromium
// (TESSERA_CHROMIUM, default /usr/bin/chromium). playwright-core: the
// node_modules directory in TESSERA_PLAYWRIGHT_CORE_MODULES, else the one
// scripts/setup-browser.sh installs (and prints).
import {execFileSync} from "node:child_process";
import fs from "node:fs";
import {createRequire} from "node:module";
import os from "node:os";
import path from "node:path";
import {fileURLToPath} from "node:url";

const USAGE = "usage: check_dashboard.mjs URL SCREENSHOT_PATH [--expect-deployment NS/NAME] " +
              "[--expect-partitions N] [--expect-unreachable] [--timeout-seconds S] " +
              "[--color-scheme light|dark] [--live-charts NAME,...]";

// What this machine's closed network needs: no sandbox (root), no GPU, and
// none of Chromium's background calls home, which would hang or log errors.
const CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                       "--no-first-run", "--disable-background-networking",
                       "--disable-component-update", "--disable-sync"];

class Failure extends Error {}

// Throws; main() reports it and exits 1 after the browser is closed.
function fail(message) {
  throw new Failure(message);
}

function parseArguments(argv) {
  const options = {expectDeployment: null, expectPartitions: null, expectUnreachable: false,
                   timeoutSeconds: 60, colorScheme: "light", liveCharts: []};
  const positional = [];
  for (let i = 0; i < argv.length; i += 1) {
    const argument = argv[i];
    const value = () => {
      if (i + 1 >= argv.length) fail(`${argument} needs a value\n${USAGE}`);
      i += 1;
      return argv[i];
    };
    if (argument === "--expect-deployment") {
      options.expectDeployment = value();
      if (!/^[^/\s]+\/[^/\s]+$/.test(options.expectDeployment)) {
        fail(`--expect-deployment: expected NAMESPACE/NAME, got "${options.expectDeployment}"`);
      }
    } else if (argument === "--expect-partitions") {
      const text = value();
      options.expectPartitions = Number(text);
      if (!Number.isInteger(options.expectPartitions) || options.expectPartitions < 0) {
        fail(`--expect-partitions: expected a whole number >= 0, got "${text}"`);
      }
    } else if (argument === "--live-charts") {
      options.liveCharts = value().split(",").filter(Boolean);
    } else if (argument === "--expect-unreachable") {
      options.expectUnreachable = true;
    } else if (argument === "--timeout-seconds") {
      const text = value();
      options.timeoutSeconds = Number(text);
      if (!(options.timeoutSeconds > 0)) fail(`--timeout-seconds: expected > 0, got "${text}"`);
    } else if (argument === "--color-scheme") {
      options.colorScheme = value();
      if (!["light", "dark"].includes(options.colorScheme)) {
        fail(`--color-scheme: expected light or dark, got "${options.colorScheme}"`);
      }
    } else if (argument.startsWith("--")) {
      fail(`unknown option ${argument}\n${USAGE}`);
    } else {
      positional.push(argument);
    }
  }
  if (positional.length !== 2) fail(USAGE);
  [options.url, options.screenshot] = positional;
  if (options.expectPartitions !== null && !options.expectDeployment) {
    fail("--expect-partitions needs --expect-deployment");
  }
  return options;
}

function playwrightModules() {
  const fromEnvironment = process.env.TESSERA_PLAYWRIGHT_CORE_MODULES;
  if (fromEnvironment) return fromEnvironment;
  const here = path.dirname(fileURLToPath(import.meta.url));
  const setup = path.resolve(here, "../../../scripts/setup-browser.sh");
  try {
    return execFileSync(setup, {encoding: "utf8", stdio: ["ignore", "pipe", "inherit"]}).trim();
  } catch (error) {
    return fail(`${setup} failed (${error.message}); set TESSERA_PLAYWRIGHT_CORE_MODULES to ` +
                "a node_modules directory holding playwright-core");
  }
}

function loadPlaywright() {
  const modules = playwrightModules();
  try {
    return createRequire(path.join(modules, "noop.js"))("playwright-core");
  } catch (error) {
    return fail(`cannot load playwright-core from ${modules}: ${error.message}`);
  }
}

// Runs in the page: what is still missing for the checks to pass, as a list
// of sentences (empty: all pass), and what was seen.
function pageProgress({expectDeployment, expectPartitions, expectUnreachable, liveCharts}) {
  const missing = [];
  const seen = {};
  const apiState = document.body.dataset.apiState;
  seen.apiState = apiState;
  if (expectUnreachable) {
    const banner = document.getElementById("api-banner");
    const shown = banner && !banner.hidden && banner.offsetParent !== null;
    seen.banner = shown ? banner.textContent : null;
    if (apiState !== "unreachable") missing.push(`the page's API state is ${apiState}, not unreachable`);
    if (!shown) missing.push("no banner says the API is unreachable");
    return {missing, seen};
  }
  if (apiState !== "ok") missing.push(`the page's API state is ${apiState}, not ok`);

  const charts = [...document.querySelectorAll("canvas[data-chart]")];
  seen.charts = Object.fromEntries(charts.map((canvas) => [canvas.dataset.chart,
                                                           Number(canvas.dataset.points || 0)]));
  const partitions = [...document.querySelectorAll(".partition[data-worker]")];
  seen.partitions = partitions.length;
  seen.heldPartitions = partitions.filter((cell) => cell.dataset.worker).length;

  if (!expectDeployment) {
    if (!document.querySelector("tr[data-deployment]")) missing.push("no deployment is shown");
    if (!seen.heldPartitions) missing.push("no partition in the map is held by a worker");
    if (!charts.some((canvas) => Number(canvas.dataset.points) >= 2)) {
      missing.push("no chart has drawn 2 points");
    }
    return {missing, seen};
  }

  const row = [...document.querySelectorAll("tr[data-deployment]")]
                  .find((candidate) => candidate.dataset.deployment === expectDeployment);
  if (!row) {
    missing.push(`no row for deployment ${expectDeployment}`);
  } else {
    seen.ready = row.dataset.ready;
    const workers = new Set((row.dataset.workers || "").split(" ").filter(Boolean));
    seen.workers = [...workers];
    const held = partitions.filter((cell) => cell.dataset.deployment === expectDeployment);
    const strangers = held.filter((cell) => !workers.has(cell.dataset.worker));
    seen.deploymentPartitions = held.length;
    const wanted = expectPartitions ?? 1;
    if (held.length < wanted) {
      missing.push(`${held.length} partitions in the map are held by ${expectDeployment}'s ` +
                   `workers, expected at least ${wanted}`);
    }
    if (strangers.length) {
      missing.push(`partitions ${strangers.map((cell) => cell.dataset.partition).join(", ")} ` +
                   `are marked ${expectDeployment} but held by workers its status does not list ` +
                   `(${[...new Set(strangers.map((cell) => cell.dataset.worker))].join(", ")})`);
    }
  }
  const own = charts.filter((canvas) => canvas.dataset.deployment === expectDeployment);
  if (!own.length) missing.push(`no chart shows ${expectDeployment}`);
  else if (!own.some((canvas) => Number(canvas.dataset.points) >= 2)) {
    missing.push(`no chart of ${expectDeployment} has drawn 2 points`);
  }
  for (const name of liveCharts || []) {
    const chart = own.find((canvas) => canvas.dataset.chart === name);
    if (!chart) missing.push(`no chart named ${name}`);
    else if (Number(chart.dataset.points) < 2) missing.push(`chart ${name} has not drawn 2 points`);
  }
  return {missing, seen};
}

async function main() {
  const options = parseArguments(process.argv.slice(2));
  const {chromium} = loadPlaywright();
  const executablePath = process.env.TESSERA_CHROMIUM || "/usr/bin/chromium";
  if (!fs.existsSync(executablePath)) {
    fail(`no browser at ${executablePath} (scripts/setup.sh installs Debian's chromium)`);
  }

  const profile = fs.mkdtempSync(path.join(os.tmpdir(), "tessera-dashboard-chromium-"));
  const problems = [];
  let finished = false;
  let context = null;
  const isApi = (url) => {
    try {
      return new URL(url).pathname.startsWith("/api/");
    } catch (_) {
      return false;
    }
  };
  try {
    context = await chromium.launchPersistentContext(profile, {
      executablePath,
      headless: true,
      args: CHROMIUM_ARGS,
      viewport: {width: 1400, height: 900},
      colorScheme: options.colorScheme,
      timeout: 30000,
    });
    const page = context.pages()[0] || await context.newPage();
    page.on("console", (message) => {
      if (finished || message.type() !== "error") return;
      const url = (message.location() || {}).url || "";
      // A failed API request logs "Failed to load resource"; expected only
      // when the API is meant to fail.
      if (options.expectUnreachable && isApi(url) ||
          options.expectUnreachable && /Failed to load resource/.test(message.text())) {
        return;
      }
      problems.push(`console error: ${message.text()}${url ? ` (${url})` : ""}`);
    });
    page.on("pageerror", (error) => {
      if (!finished) problems.push(`page error: ${error.message}`);
    });
    page.on("requestfailed", (request) => {
      if (finished || options.expectUnreachable && isApi(request.url())) return;
      problems.push(`request failed: ${request.method()} ${request.url()}: ` +
                    `${(request.failure() || {}).errorText}`);
    });
    page.on("response", (response) => {
      if (finished || response.status() < 400) return;
      if (options.expectUnreachable && isApi(response.url())) return;
      problems.push(`HTTP ${response.status()} for ${response.url()}`);
    });

    const response = await page.goto(options.url, {waitUntil: "load", timeout: 30000});
    if (!response || !response.ok()) {
      fail(`${options.url} answered ${response ? response.status() : "nothing"}`);
    }

    const deadline = Date.now() + options.timeoutSeconds * 1000;
    let progress = {missing: ["nothing checked yet"], seen: {}};
    while (Date.now() < deadline) {
      if (problems.length) break;
      if (options.expectDeployment) {
        // Show the expected deployment's charts (the selector changes only
        // what is drawn).
        await page.evaluate((key) => {
          const select = document.getElementById("metrics-deployment");
          if (select && select.value !== key && [...select.options].some((o) => o.value === key)) {
            select.value = key;
            select.dispatchEvent(new Event("change"));
          }
        }, options.expectDeployment);
      }
      progress = await page.evaluate(pageProgress, options);
      if (!progress.missing.length) break;
      await page.waitForTimeout(500);
    }
    if (problems.length) fail(`the page reported errors:\n  ${problems.join("\n  ")}`);
    if (progress.missing.length) {
      fail(`after ${options.timeoutSeconds} s the page still lacks:\n  ` +
           `${progress.missing.join("\n  ")}\nseen: ${JSON.stringify(progress.seen)}`);
    }

    fs.mkdirSync(path.dirname(path.resolve(options.screenshot)), {recursive: true});
    await page.screenshot({path: options.screenshot, fullPage: true});
    finished = true;
    if (problems.length) fail(`the page reported errors:\n  ${problems.join("\n  ")}`);
    console.log(`check_dashboard: OK: ${JSON.stringify(progress.seen)}`);
    console.log(`check_dashboard: screenshot ${path.resolve(options.screenshot)}`);
  } finally {
    finished = true;
    if (context) await context.close().catch(() => {});
    fs.rmSync(profile, {recursive: true, force: true});
  }
}

main().catch((error) => {
  console.error(`check_dashboard: FAIL: ${error instanceof Failure ? error.message : error.stack}`);
  process.exitCode = 1;
});
