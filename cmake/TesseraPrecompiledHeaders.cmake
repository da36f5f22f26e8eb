# Precompiled headers: the standard library, nlohmann/json and Boost.Asio for
# every library, plus GoogleTest for every test suite. Parsing them is most of
# the front end's work in most of our translation units (json.hpp alone is
# 1.4 s), and Clang also instantiates their templates once in the PCH
# (-fpch-instantiate-templates) instead of once per file: the ASan/UBSan
# tree builds in 307 s instead of 449 s on two cores.
#
# Clang only. With GCC 12 the same headers through a PCH make its middle-end
# warnings fire inside libstdc++ (-Warray-bounds and -Wstringop-overflow on
# std::string concatenation, GCC PR 105651), which no longer counts as a
# system header there; the GCC tree stays without, rather than with those
# warnings off.
#
# One header set per kind of target, compiled once by a carrier target and
# reused (REUSE_FROM) by every target of that kind. Reuse is valid only while
# the carrier and its users compile with the same flags, which is why the
# carriers are configured like any other target (tessera_configure_target)
# and link what sets the definitions their users see; Clang refuses a PCH
# made with other flags.
#
# Sources still include everything they use: the precompiled set only makes
# it cheaper, and the GCC tree, which clang-tidy reads, builds without it.
if(CMAKE_CXX_COMPILER_ID MATCHES "Clang")
  set(TESSERA_PCH_DEFAULT ON)
else()
  set(TESSERA_PCH_DEFAULT OFF)
endif()
option(TESSERA_PCH "Precompile the standard, JSON, Asio and GoogleTest headers"
       ${TESSERA_PCH_DEFAULT})

set(TESSERA_PCH_LIBRARY_HEADERS
    <algorithm> <array> <chrono> <cstdint> <functional> <map> <memory> <mutex>
    <optional> <set> <string> <string_view> <utility> <vector>
    <boost/asio/io_context.hpp> <nlohmann/json.hpp>)
set(TESSERA_PCH_TEST_HEADERS ${TESSERA_PCH_LIBRARY_HEADERS} <gmock/gmock.h> <gtest/gtest.h>)

if(TESSERA_PCH)
  # ccache caches a PCH's users only when the PCH does not record its build
  # time (and with the sloppiness scripts/compile-launcher.sh gives it).
  if(CMAKE_CXX_COMPILER_ID MATCHES "Clang")
    add_compile_options("SHELL:-Xclang -fno-pch-timestamp")
  endif()
  # Compiled with a file of its own, not through any target's sources.
  set(TESSERA_PCH_SOURCE "${PROJECT_BINARY_DIR}/tessera_pch_carrier.cc")
  file(WRITE "${TESSERA_PCH_SOURCE}" "// Carries the precompiled headers its users reuse.\n")

  add_library(tessera_pch_library OBJECT "${TESSERA_PCH_SOURCE}")
  target_link_libraries(tessera_pch_library PRIVATE nlohmann_json::nlohmann_json)
  tessera_configure_target(tessera_pch_library)
  target_precompile_headers(tessera_pch_library PRIVATE ${TESSERA_PCH_LIBRARY_HEADERS})
endif()

# tessera_precompile_headers(<target> LIBRARY|TEST)
function(tessera_precompile_headers target kind)
  if(NOT TESSERA_PCH)
    return()
  endif()
  if(kind STREQUAL "LIBRARY")
    target_precompile_headers(${target} REUSE_FROM tessera_pch_library)
  elseif(kind STREQUAL "TEST")
    if(NOT TARGET tessera_pch_test)
      add_library(tessera_pch_test OBJECT "${TESSERA_PCH_SOURCE}")
      target_link_libraries(tessera_pch_test PRIVATE nlohmann_json::nlohmann_json GTest::gmock)
      tessera_configure_target(tessera_pch_test)
      target_precompile_headers(tessera_pch_test PRIVATE ${TESSERA_PCH_TEST_HEADERS})
    endif()
    target_precompile_headers(${target} REUSE_FROM tessera_pch_test)
  else()
    message(FATAL_ERROR "tessera_precompile_headers: kind must be LIBRARY or TEST, not '${kind}'")
  endif()
endfunction()
