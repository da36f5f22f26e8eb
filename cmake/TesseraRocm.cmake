# librocm_smi64, for the agent's rocm-smi GPU backend. TESSERA_ROCM says
# whether it must be there (ON, what CI builds), is used when found (AUTO),
# or is left out (OFF: an agent for simulated GPUs only, e.g. a laptop).
# Sets TESSERA_WITH_ROCM_SMI, ROCM_SMI_LIBRARY and ROCM_SMI_INCLUDE_DIR.
# Debian's CMake package config for the library names a liboam that is not
# installed, so the library and its header are found directly.
set(TESSERA_ROCM "AUTO" CACHE STRING "Build the rocm-smi GPU backend: AUTO, ON or OFF")
set_property(CACHE TESSERA_ROCM PROPERTY STRINGS AUTO ON OFF)
if(NOT TESSERA_ROCM MATCHES "^(AUTO|ON|OFF)$")
  message(FATAL_ERROR "TESSERA_ROCM must be AUTO, ON or OFF, got '${TESSERA_ROCM}'")
endif()

set(TESSERA_WITH_ROCM_SMI OFF)
if(NOT TESSERA_ROCM STREQUAL "OFF")
  if(TESSERA_ROCM STREQUAL "ON")
    find_library(ROCM_SMI_LIBRARY NAMES rocm_smi64 REQUIRED)
    find_path(ROCM_SMI_INCLUDE_DIR NAMES rocm_smi/rocm_smi.h REQUIRED)
  else()
    find_library(ROCM_SMI_LIBRARY NAMES rocm_smi64)
    find_path(ROCM_SMI_INCLUDE_DIR NAMES rocm_smi/rocm_smi.h)
  endif()
  if(ROCM_SMI_LIBRARY AND ROCM_SMI_INCLUDE_DIR)
    set(TESSERA_WITH_ROCM_SMI ON)
  endif()
endif()
message(STATUS "rocm-smi GPU backend: ${TESSERA_WITH_ROCM_SMI} (TESSERA_ROCM=${TESSERA_ROCM})")
