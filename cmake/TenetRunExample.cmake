# cmake -DTENET_EXAMPLE=<exe> -DTENET_EXPECTED=<file> [-DTENET_EXAMPLE_ARGS=<a|b|c>]
#       [-DTENET_EXPECT_OUTPUT=<regex>] -P TenetRunExample.cmake
#
# Runs an example with the given arguments (none by default); it must exit 0, and its
# stdout must match TENET_EXPECT_OUTPUT when that is given. If <file> exists, the
# example's stdout must equal its content exactly (bytes, including the final
# newline); on a mismatch a unified diff (or the first differing line) is printed.
cmake_minimum_required(VERSION 3.25)

if(NOT TENET_EXAMPLE)
  message(FATAL_ERROR "TenetRunExample: TENET_EXAMPLE not given")
endif()

string(REPLACE "|" ";" _args "${TENET_EXAMPLE_ARGS}")
execute_process(COMMAND "${TENET_EXAMPLE}" ${_args}
  OUTPUT_VARIABLE _out
  ERROR_VARIABLE _err
  RESULT_VARIABLE _rc)

if(NOT _err STREQUAL "")
  message("---- stderr of ${TENET_EXAMPLE} ----\n${_err}")
endif()
if(NOT _rc STREQUAL "0")
  message("---- stdout of ${TENET_EXAMPLE} ----\n${_out}")
  message(FATAL_ERROR "example ${TENET_EXAMPLE} exited with ${_rc}")
endif()

if(TENET_EXPECT_OUTPUT AND NOT _out MATCHES "${TENET_EXPECT_OUTPUT}")
  message("---- stdout of ${TENET_EXAMPLE} ----\n${_out}")
  message(FATAL_ERROR "stdout of ${TENET_EXAMPLE} does not match the regex ${TENET_EXPECT_OUTPUT}")
endif()

if(NOT TENET_EXPECTED OR NOT EXISTS "${TENET_EXPECTED}")
  message("${_out}")
  return()
endif()

file(READ "${TENET_EXPECTED}" _want)
if(_out STREQUAL _want)
  message(STATUS "stdout matches ${TENET_EXPECTED}")
  return()
endif()

# Mismatch: write what we got next to the build, and show a diff.
get_filename_component(_name "${TENET_EXPECTED}" NAME)
set(_got_file "${CMAKE_CURRENT_BINARY_DIR}/${_name}.actual")
file(WRITE "${_got_file}" "${_out}")
find_program(_diff NAMES diff)
if(_diff)
  execute_process(COMMAND "${_diff}" -u "${TENET_EXPECTED}" "${_got_file}"
    OUTPUT_VARIABLE _d ERROR_VARIABLE _d)
  message("---- diff -u expected actual ----\n${_d}")
else()
  # Fallback: report the first differing line.
  string(REPLACE ";" "\\;" _w "${_want}")
  string(REPLACE ";" "\\;" _o "${_out}")
  string(REPLACE "\n" ";" _w "${_w}")
  string(REPLACE "\n" ";" _o "${_o}")
  list(LENGTH _w _nw)
  list(LENGTH _o _no)
  set(_i 0)
  while(_i LESS _nw AND _i LESS _no)
    list(GET _w ${_i} _lw)
    list(GET _o ${_i} _lo)
    if(NOT _lw STREQUAL _lo)
      break()
    endif()
    math(EXPR _i "${_i} + 1")
  endwhile()
  math(EXPR _line "${_i} + 1")
  set(_lw "<end of file>")
  set(_lo "<end of output>")
  if(_i LESS _nw)
    list(GET _w ${_i} _lw)
  endif()
  if(_i LESS _no)
    list(GET _o ${_i} _lo)
  endif()
  message("first difference at line ${_line}:\n- expected: ${_lw}\n+ actual:   ${_lo}")
endif()
message(FATAL_ERROR
  "stdout of ${TENET_EXAMPLE} differs from ${TENET_EXPECTED}\n"
  "(actual output saved to ${_got_file})")
