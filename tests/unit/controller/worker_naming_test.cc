#include "controller/reconciler/worker_naming.h"

#include <gtest/gtest.h>

namespace tessera::controller {
namespace {

wire::WorkerSpec Spec() {
  wire::WorkerSpec spec;
  spec.deployment = "llama";
  spec.engine = "sim";
  spec.settings.model = "llama-3.1-8b";
  spec.partitions = {0};
  return spec;
}

TEST(WorkerNamingTest, HashIgnoresPartitionsAndBootstrapPort) {
  wire::WorkerSpec moved = Spec();
  moved.partitions = {5};
  moved.bootstrap_port = 9000;
  EXPECT_EQ(TemplateHash(Spec()), TemplateHash(moved));
  wire::WorkerSpec changed = Spec();
  changed.settings.max_model_len = 4096;
  EXPECT_NE(TemplateHash(Spec()), TemplateHash(changed));
  EXPECT_EQ(TemplateHash(Spec()).size(), 8U);
}

TEST(WorkerNamingTest, IdsRoundTrip) {
  const std::string prefix = WorkerIdPrefix("serving", "llama-70b", "decode");
  EXPECT_EQ(prefix, "serving.llama-70b.decode");
  const std::string id = WorkerId(prefix, "5f0c2a91", 12);
  EXPECT_EQ(id, "serving.llama-70b.decode-5f0c2a91-12");
  const std::optional<ParsedWorkerId> parsed = ParseWorkerId(id);
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->prefix, prefix);
  EXPECT_EQ(parsed->template_hash, "5f0c2a91");
  EXPECT_EQ(parsed->ordinal, 12);
}

TEST(WorkerNamingTest, LongNamesStayWithinTheAgentsLimit) {
  const std::string name(63, 'n');
  const std::string space(63, 's');
  const std::string prefix = WorkerIdPrefix(space, name, "prefill");
  const std::string id = WorkerId(prefix, "00000000", 99999);
  EXPECT_LE(id.size(), 128U);
  EXPECT_NE(WorkerIdPrefix(space, name + "x", "prefill"), WorkerIdPrefix(space, name, "prefill"));
  ASSERT_TRUE(ParseWorkerId(id));
  EXPECT_EQ(ParseWorkerId(id)->prefix, prefix);
}

TEST(WorkerNamingTest, ForeignIdsDoNotParse) {
  for (const char* id : {"llama-0", "a-b-c", "x-zzzzzzzz-1", "x-01234567-", "x-01234567--1"}) {
    EXPECT_FALSE(ParseWorkerId(id)) << id;
  }
}

}  // namespace
}  // namespace tessera::controller
