// A header with a finding clang-tidy must report, for header_filter_test.sh:
// if the repository's HeaderFilterRegex stops matching the project's headers
// (as it once did, anchored on relative paths while clang-tidy matches
// absolute ones), this finding goes unreported and that test fails.
//
// Not part of any build. The folder is named like the project's own so the
// regex treats it as one of them.

#ifndef TESSERA_TESTS_TIDY_BASE_DELIBERATE_FINDING_H_
#define TESSERA_TESTS_TIDY_BASE_DELIBERATE_FINDING_H_

namespace tessera::tidy_fixture {

// google-explicit-constructor: a single-argument constructor not marked
// explicit.
class Implicit {
 public:
  Implicit(int value) : value_(value) {}
  int value() const { return value_; }

 private:
  int value_;
};

}  // namespace tessera::tidy_fixture

#endif  // TESSERA_TESTS_TIDY_BASE_DELIBERATE_FINDING_H_
