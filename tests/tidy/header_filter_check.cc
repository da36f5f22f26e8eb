// The translation unit header_filter_test.sh runs clang-tidy on; its only
// finding is in the header it includes.

#include "tests/tidy/base/deliberate_finding.h"

namespace tessera::tidy_fixture {

int UseIt() { return Implicit(1).value(); }

}  // namespace tessera::tidy_fixture
