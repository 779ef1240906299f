# Decides the default of TENET_SIMD_FLAGS: the instruction-set flags put on
# tenet's own tests, examples and benchmarks (never on CMAKE_CXX_FLAGS, never
# on tenet::tenet, so consumers choose their own target).
#
# Default: on x86_64, when the compiler accepts -march=x86-64-v3 and the build
# host CPU reports both avx2 and fma, "-march=x86-64-v3 -mtune=znver3";
# otherwise empty (xsimd then uses whatever the compiler's default enables,
# down to its generic fallback). Override with -DTENET_SIMD_FLAGS="..." (a
# command-line string, e.g. "-march=native"); set it to "" to disable.
include_guard(GLOBAL)

if(NOT DEFINED CACHE{TENET_SIMD_FLAGS})
  set(_tenet_simd_default "")
  if(CMAKE_SYSTEM_PROCESSOR MATCHES "^(x86_64|AMD64|amd64|x64)$"
     AND NOT CMAKE_CROSSCOMPILING
     AND CMAKE_CXX_COMPILER_ID MATCHES "GNU|Clang")
    include(CheckCXXCompilerFlag)
    check_cxx_compiler_flag("-march=x86-64-v3" TENET_CXX_HAS_MARCH_X86_64_V3)
    set(_tenet_host_ok FALSE)
    if(TENET_CXX_HAS_MARCH_X86_64_V3 AND EXISTS "/proc/cpuinfo")
      file(STRINGS "/proc/cpuinfo" _tenet_cpu_flags REGEX "^flags[ \t]*:" LIMIT_COUNT 1)
      if(_tenet_cpu_flags MATCHES "[ \t]avx2([ \t]|$)" AND _tenet_cpu_flags MATCHES "[ \t]fma([ \t]|$)")
        set(_tenet_host_ok TRUE)
      endif()
    endif()
    if(_tenet_host_ok)
      set(_tenet_simd_default "-march=x86-64-v3")
      check_cxx_compiler_flag("-march=x86-64-v3 -mtune=znver3" TENET_CXX_HAS_MTUNE_ZNVER3)
      if(TENET_CXX_HAS_MTUNE_ZNVER3)
        string(APPEND _tenet_simd_default " -mtune=znver3")
      endif()
    endif()
  endif()
  set(TENET_SIMD_FLAGS "${_tenet_simd_default}" CACHE STRING
      "Instruction-set flags for tenet's tests/examples/bench (a command-line string; empty = compiler default)")
  unset(_tenet_simd_default)
  unset(_tenet_host_ok)
  unset(_tenet_cpu_flags)
endif()
message(STATUS "tenet: TENET_SIMD_FLAGS = \"${TENET_SIMD_FLAGS}\"")

# The ISAs tenet's own examples and benchmarks also compile their networks for
# (tenet_add_isa_dispatch): those above TENET_SIMD_FLAGS.
include(TenetIsaDispatch)
if(TENET_SIMD_FLAGS MATCHES "x86-64-v4|native")
  set(TENET_OWN_DISPATCH_ISAS "")
elseif(TENET_SIMD_FLAGS MATCHES "x86-64-v3")
  set(TENET_OWN_DISPATCH_ISAS ${TENET_DISPATCH_ISAS})
  list(REMOVE_ITEM TENET_OWN_DISPATCH_ISAS avx2 sse4.2)
else()
  set(TENET_OWN_DISPATCH_ISAS ${TENET_DISPATCH_ISAS})
endif()
