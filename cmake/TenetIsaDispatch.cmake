# tenet_add_isa_dispatch(<target> HEADER <file> NETWORKS <type>... [ISAS <isa>...])
#
# Compiles the networks <type>... (declared in <file>, e.g. `using net_t = tenet::network<...>;`)
# once more per ISA in ISAS, each in a translation unit of its own built with that ISA's flags,
# and links them into <target>: at run time each network then runs the best ISA the CPU has
# (include/tenet/simd/dispatch.hpp; TENET_ISA pins one). <target> itself keeps its own flags
# and runs everywhere they allow; a network not listed runs them.
#
# ISAS defaults to TENET_DISPATCH_ISAS ("avx512;avx2" on x86-64, empty elsewhere): any of
#   avx512  -march=x86-64-v4 (AVX-512 F, BW, CD, DQ, VL)
#   avx2    -march=x86-64-v3 (AVX2, FMA, BMI1/2, F16C, LZCNT, MOVBE)
#   sse4.2  -march=x86-64-v2
# An ISA the compiler cannot target is skipped with a message.
#
# The translation units go in an object library that <target> links after its own objects, so
# that of every inline function both compile alike (the library's and std's), the linker keeps
# <target>'s copy, compiled for its own flags (it keeps the first it sees). For the same reason
# do not combine this with link-time optimization, and give an executable or shared library,
# whose own code is what runs before the choice is made.
include_guard(GLOBAL)
include(CheckCXXCompilerFlag)

if(CMAKE_SYSTEM_PROCESSOR MATCHES "^(x86_64|AMD64|amd64|x64)$")
  set(_tenet_dispatch_default "avx512;avx2")
else()
  set(_tenet_dispatch_default "")
endif()
set(TENET_DISPATCH_ISAS "${_tenet_dispatch_default}" CACHE STRING
    "ISAs tenet_add_isa_dispatch compiles networks for by default (avx512, avx2, sse4.2)")
unset(_tenet_dispatch_default)

function(tenet_add_isa_dispatch target)
  cmake_parse_arguments(PARSE_ARGV 1 arg "" "HEADER" "NETWORKS;ISAS")
  if(arg_UNPARSED_ARGUMENTS)
    message(FATAL_ERROR "tenet_add_isa_dispatch(${target}): unknown arguments ${arg_UNPARSED_ARGUMENTS}")
  endif()
  if(NOT TARGET ${target})
    message(FATAL_ERROR "tenet_add_isa_dispatch: ${target} is not a target")
  endif()
  if(NOT arg_HEADER OR NOT arg_NETWORKS)
    message(FATAL_ERROR "tenet_add_isa_dispatch(${target}): give HEADER <file declaring the networks> and NETWORKS <their type names>")
  endif()
  cmake_path(ABSOLUTE_PATH arg_HEADER BASE_DIRECTORY "${CMAKE_CURRENT_SOURCE_DIR}" NORMALIZE OUTPUT_VARIABLE header)
  if(NOT EXISTS "${header}")
    message(FATAL_ERROR "tenet_add_isa_dispatch(${target}): HEADER ${arg_HEADER} not found (looked for ${header})")
  endif()
  if("ISAS" IN_LIST arg_KEYWORDS_MISSING_VALUES)
    set(arg_ISAS "")  # ISAS given, empty: none
  elseif(NOT DEFINED arg_ISAS)
    set(arg_ISAS ${TENET_DISPATCH_ISAS})
  endif()
  set(flags_avx512 "-march=x86-64-v4")
  set(flags_avx2 "-march=x86-64-v3")
  set(flags_sse4.2 "-march=x86-64-v2")
  set(enum_avx512 avx512)
  set(enum_avx2 avx2)
  set(enum_sse4.2 sse4_2)
  list(JOIN arg_NETWORKS ", " network_list)
  set(built "")
  foreach(isa IN LISTS arg_ISAS)
    if(NOT DEFINED flags_${isa})
      message(FATAL_ERROR "tenet_add_isa_dispatch(${target}): unknown ISA '${isa}' (use avx512, avx2 or sse4.2)")
    endif()
    string(MAKE_C_IDENTIFIER "TENET_CXX_TARGETS_${isa}" can_var)
    check_cxx_compiler_flag("${flags_${isa}}" ${can_var})
    if(NOT ${can_var})
      message(STATUS "tenet: ${target}: the compiler cannot target ${isa} (${flags_${isa}}), skipped")
      continue()
    endif()
    string(MAKE_C_IDENTIFIER "${isa}" isa_id)
    set(source "${CMAKE_CURRENT_BINARY_DIR}/tenet_isa/${target}_${isa_id}.cpp")
    file(CONFIGURE OUTPUT "${source}" @ONLY CONTENT
"// Written by tenet_add_isa_dispatch (cmake/TenetIsaDispatch.cmake) for ${target}: do not edit.
#include <tenet/simd/compile_for_isa.hpp>

#include \"${header}\"

static_assert(tenet::simd::isa_of<xsimd::default_arch>() == tenet::simd::isa::${enum_${isa}},
              \"tenet: this file must be compiled with ${flags_${isa}} (tenet_add_isa_dispatch sets it)\");

TENET_COMPILE_FOR_ISA(${network_list})
")
    set(lib ${target}_tenet_${isa_id})
    add_library(${lib} OBJECT "${source}")
    target_link_libraries(${lib} PRIVATE tenet::tenet)
    target_include_directories(${lib} PRIVATE $<TARGET_PROPERTY:${target},INCLUDE_DIRECTORIES>)
    target_compile_definitions(${lib} PRIVATE $<TARGET_PROPERTY:${target},COMPILE_DEFINITIONS>)
    target_compile_options(${lib} PRIVATE $<TARGET_PROPERTY:${target},COMPILE_OPTIONS> ${flags_${isa}})
    target_link_libraries(${target} PRIVATE ${lib})
    list(APPEND built ${isa})
  endforeach()
  if(built)
    message(STATUS "tenet: ${target}: networks also compiled for ${built}")
  endif()
endfunction()
