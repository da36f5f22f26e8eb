// What `tessera get`, `tessera describe` and `tessera up`'s end screen print:
// pure functions from the JSON of `tessera up`'s API (docs/up-api.md) to
// text, so they are tested on recorded answers and the CLI only fetches.
//
// Every printer takes the API's objects as they come (`items` arrays, or one
// object) and never fails: a field that is missing or of another type prints
// as "-" (or "<none>" where kubectl writes that), so a newer or older
// `tessera up` still prints. Tables are base/text_table.h's: columns two
// spaces apart, no trailing blanks, each line ending in "\n". Ages are
// kubectl's (human_duration.h) at the `now` passed in.

#ifndef TESSERA_CLI_UP_PRINTERS_RESOURCE_PRINTER_H_
#define TESSERA_CLI_UP_PRINTERS_RESOURCE_PRINTER_H_

#include <chrono>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "base/status.h"

namespace tessera::cli {

using TimePoint = std::chrono::system_clock::time_point;

// `tessera get deployments`: NAMESPACE NAME MODEL, then one column per role
// any listed deployment runs (WORKER, PREFILL, DECODE, ROUTER, in that
// order) holding ready/desired ("2/2"; "-" for a role it does not run or
// before its first status), ENDPOINT and AGE. The role columns say the mode
// (WORKER: aggregated; PREFILL and DECODE: disaggregated), which keeps a
// disaggregated deployment within 100 columns. AGE counts from the
// deployment's `creationTimestamp` when the API gives one, else from its
// Ready condition's lastTransitionTime. No items: "No deployments found.\n".
std::string PrintDeployments(const nlohmann::json& deployments, TimePoint now);

// `tessera get roles`: NAMESPACE DEPLOYMENT ROLE DESIRED READY UPDATED, one
// row per role in a deployment's status (worker, prefill, decode, router).
std::string PrintRoles(const nlohmann::json& deployments);

// `tessera get nodes`: NAME BACKEND GPUS PARTITIONS FREE from the agents'
// GET /v1/node. NAME is the node's `name` when the API adds one (the name
// the controller knows it by), else its `hostname`.
std::string PrintNodes(const nlohmann::json& nodes);

// `tessera get workers`: NAME DEPLOYMENT ROLE NODE PARTITIONS STATE PID
// RESTARTS URL AGE from the agents' GET /v1/workers entries. DEPLOYMENT is
// "namespace/name"; NODE is the entry's `node` when the API adds one, else
// "-"; STATE gains " (crash loop)" while the agent reports one; AGE counts
// from `stateSince`.
std::string PrintWorkers(const nlohmann::json& workers, TimePoint now);

// `tessera describe deployment`: kubectl-describe-like sections (Name,
// Namespace, Manifest, Model, Engine, Mode, Endpoint, Router policy, then
// Roles, Conditions, Workers and Events as indented tables, "<none>" when
// empty). `deployment` is the API's Deployment; `events` its Event array,
// oldest first, printed in that order (newest last, as kubectl does), with
// AGE from lastTime and COUNT "x3".
std::string DescribeDeployment(const nlohmann::json& deployment, const nlohmann::json& events,
                               TimePoint now);

// `tessera up`'s end screen: each deployment with its roles' ready/desired,
// then every deployment's workers (from their status: role, node,
// partitions, state), then "Endpoint: <url>" per deployment (followed by
// " (namespace/name)" when there are several; "<none>" before a router is
// ready) and "Dashboard: <dashboard_url>".
std::string PrintStatusTable(const nlohmann::json& deployments, std::string_view dashboard_url);

enum class ObjectFormat { kJson, kYaml };

// `-o json` or `-o yaml`; InvalidArgument names the flag and the value.
StatusOr<ObjectFormat> ParseObjectFormat(std::string_view text);

// `-o json|yaml` of a listing: {"items": [...]} as `items` holds them,
// pretty JSON (two-space indent) or YAML (base/json_to_yaml.h), ending in
// "\n".
std::string PrintObjects(ObjectFormat format, const nlohmann::json& items);

// `-o json|yaml` of one object (`tessera describe -o` or `get NAME -o`).
std::string PrintObject(ObjectFormat format, const nlohmann::json& object);

}  // namespace tessera::cli

#endif  // TESSERA_CLI_UP_PRINTERS_RESOURCE_PRINTER_H_
