# cmake -DTENET_CF_PARAMS=<file> -DTENET_CF_CONFIG=<cfg> -P TenetExpectBuildFailure.cmake
#
# Driver of the <name>_ko compile-fail tests: builds the target, and passes
# only if the build FAILS and its combined output matches the expected regex.
# Also reports how long the compiler's diagnostic is (useful for docs/errors.md).
cmake_minimum_required(VERSION 3.25)

if(NOT TENET_CF_PARAMS OR NOT EXISTS "${TENET_CF_PARAMS}")
  message(FATAL_ERROR "TenetExpectBuildFailure: TENET_CF_PARAMS not given or missing")
endif()
include("${TENET_CF_PARAMS}")

set(_cmd "${CMAKE_COMMAND}" -E env LC_ALL=C
         "${CMAKE_COMMAND}" --build "${TENET_CF_BUILD_DIR}" --target "${TENET_CF_TARGET}")
if(NOT "${TENET_CF_CONFIG}" STREQUAL "")
  list(APPEND _cmd --config "${TENET_CF_CONFIG}")
endif()

execute_process(COMMAND ${_cmd}
  OUTPUT_VARIABLE _out
  ERROR_VARIABLE _out          # same variable: stdout and stderr merged
  RESULT_VARIABLE _rc)

# Diagnostic size: drop the build tool's own chatter and count what is left.
string(REPLACE ";" "\\;" _escaped "${_out}")
string(REPLACE "\n" ";" _lines "${_escaped}")
set(_diag_lines 0)
set(_error_lines 0)
set(_first_error "")
foreach(_l IN LISTS _lines)
  if(_l STREQUAL "")
    continue()
  endif()
  if(_l MATCHES "^(g?make(\\[[0-9]+\\])?:|\\[ *[0-9]+%\\]|\\[[0-9]+/[0-9]+\\]|ninja: |FAILED: |Consolidate compiler|Scanning dependencies|Dependee |gmake|make: )")
    continue()
  endif()
  # Ninja echoes the failing command line after FAILED:
  if(_l MATCHES "^[^ ]*(c\\+\\+|g\\+\\+|clang\\+\\+)[^ ]* .* -o ")
    continue()
  endif()
  math(EXPR _diag_lines "${_diag_lines} + 1")
  if(_l MATCHES "(^|: )(fatal )?error[: ]")
    math(EXPR _error_lines "${_error_lines} + 1")
    if(_first_error STREQUAL "")
      set(_first_error "${_l}")
    endif()
  endif()
endforeach()

if(_rc EQUAL 0)
  message("${_out}")
  message(FATAL_ERROR
    "compile-fail: target ${TENET_CF_TARGET} BUILT SUCCESSFULLY, but it must not compile "
    "with TENET_EXPECT_FAIL defined.\n  source: ${TENET_CF_SOURCE}")
endif()

if(NOT _out MATCHES "${TENET_CF_REGEX}")
  message("${_out}")
  message(FATAL_ERROR
    "compile-fail: target ${TENET_CF_TARGET} failed to build (good), but the output does "
    "not match the expected regex.\n"
    "  source:   ${TENET_CF_SOURCE}\n"
    "  expected: ${TENET_CF_REGEX}\n"
    "  first error line: ${_first_error}")
endif()

message(STATUS "compile-fail: ${TENET_CF_TARGET}: failed as expected, matched \"${TENET_CF_REGEX}\"")
message(STATUS "compile-fail: ${TENET_CF_TARGET}: diagnostic: ${_diag_lines} lines, ${_error_lines} error line(s)")
message(STATUS "compile-fail: ${TENET_CF_TARGET}: first error: ${_first_error}")
