# tessera::cpprest: cpprestsdk as every Tessera target that speaks HTTP
# through it needs it.
#
# Debian's cpprestsdk target does not carry OpenSSL, so it is linked here.
# cpprest's inline stream buffers are instantiated in our objects while their
# type information lives in the uninstrumented libcpprest; UBSan's vptr check
# reports that as a type mismatch on every request and response body, so
# sanitized builds skip that one check in the objects that use cpprest.
find_package(cpprestsdk REQUIRED)
find_package(OpenSSL REQUIRED)

add_library(tessera_cpprest INTERFACE)
add_library(tessera::cpprest ALIAS tessera_cpprest)
target_link_libraries(tessera_cpprest INTERFACE cpprestsdk::cpprest OpenSSL::SSL OpenSSL::Crypto)
if(TESSERA_SANITIZE OR TESSERA_BUILD_FUZZERS)
  target_compile_options(tessera_cpprest INTERFACE -fno-sanitize=vptr)
endif()
