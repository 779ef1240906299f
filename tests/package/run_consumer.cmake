# Driver of tenet's package tests (cmake -P).
#
#   -DTENET_PKG_MODE=install   -DTENET_PKG_BUILD_DIR=<tenet build> -DTENET_PKG_PREFIX=<prefix>
#       wipe <prefix>, then `cmake --install <tenet build> --prefix <prefix>`
#   -DTENET_PKG_MODE=consumer  -DTENET_PKG_SOURCE_DIR=<project> -DTENET_PKG_BINARY_DIR=<dir>
#                              [-DTENET_PKG_ARGS=<extra -D...|-D...>]
#                              [-DTENET_PKG_NOT_NEEDED=<regex> -DTENET_PKG_READELF=<readelf>]
#       wipe <dir>, configure, build, run <dir>/consumer (must exit 0); with NOT_NEEDED, the
#       consumer's dynamic section (readelf -d) must name no library matching <regex>
# Common: TENET_PKG_GENERATOR, TENET_PKG_MAKE_PROGRAM, TENET_PKG_CXX_COMPILER, TENET_PKG_CONFIG
cmake_minimum_required(VERSION 3.25)

function(_run what)
  string(REPLACE ";" " " _pretty "${ARGN}")
  message(STATUS "[package] ${what}: ${_pretty}")
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE _rc)
  if(NOT _rc EQUAL 0)
    message(FATAL_ERROR "[package] ${what} failed (${_rc})")
  endif()
endfunction()

set(_config "${TENET_PKG_CONFIG}")
if(_config STREQUAL "")
  set(_config Release)
endif()

if(TENET_PKG_MODE STREQUAL "install")
  file(REMOVE_RECURSE "${TENET_PKG_PREFIX}")
  _run("install" "${CMAKE_COMMAND}" --install "${TENET_PKG_BUILD_DIR}"
       --prefix "${TENET_PKG_PREFIX}" --config "${_config}")
  file(GLOB_RECURSE _cfg "${TENET_PKG_PREFIX}/*/tenetConfig.cmake")
  if(NOT _cfg)
    message(FATAL_ERROR "[package] no tenetConfig.cmake under ${TENET_PKG_PREFIX}")
  endif()
  message(STATUS "[package] installed: ${_cfg}")
  return()
endif()

if(NOT TENET_PKG_MODE STREQUAL "consumer")
  message(FATAL_ERROR "[package] unknown TENET_PKG_MODE '${TENET_PKG_MODE}'")
endif()

file(REMOVE_RECURSE "${TENET_PKG_BINARY_DIR}")
set(_configure "${CMAKE_COMMAND}" -S "${TENET_PKG_SOURCE_DIR}" -B "${TENET_PKG_BINARY_DIR}"
    -G "${TENET_PKG_GENERATOR}"
    "-DCMAKE_CXX_COMPILER=${TENET_PKG_CXX_COMPILER}"
    "-DCMAKE_BUILD_TYPE=${_config}")
if(TENET_PKG_MAKE_PROGRAM)
  list(APPEND _configure "-DCMAKE_MAKE_PROGRAM=${TENET_PKG_MAKE_PROGRAM}")
endif()
if(TENET_PKG_ARGS)
  string(REPLACE "|" ";" _args "${TENET_PKG_ARGS}")
  list(APPEND _configure ${_args})
endif()
_run("configure" ${_configure})
_run("build" "${CMAKE_COMMAND}" --build "${TENET_PKG_BINARY_DIR}" --config "${_config}")

foreach(_candidate "${TENET_PKG_BINARY_DIR}/consumer"
                   "${TENET_PKG_BINARY_DIR}/${_config}/consumer"
                   "${TENET_PKG_BINARY_DIR}/consumer.exe"
                   "${TENET_PKG_BINARY_DIR}/${_config}/consumer.exe")
  if(EXISTS "${_candidate}")
    set(_exe "${_candidate}")
    break()
  endif()
endforeach()
if(NOT _exe)
  message(FATAL_ERROR "[package] consumer executable not found in ${TENET_PKG_BINARY_DIR}")
endif()
if(TENET_PKG_NOT_NEEDED)
  if(NOT TENET_PKG_READELF)
    message(FATAL_ERROR "[package] TENET_PKG_NOT_NEEDED needs readelf (TENET_PKG_READELF is empty)")
  endif()
  execute_process(COMMAND "${TENET_PKG_READELF}" -d "${_exe}" RESULT_VARIABLE _rc OUTPUT_VARIABLE _dynamic)
  string(REGEX MATCHALL "\\(NEEDED\\)[^\n]*" _needed "${_dynamic}")
  if(NOT _rc EQUAL 0 OR NOT _needed)
    message(FATAL_ERROR "[package] readelf -d ${_exe} failed or shows no NEEDED entry (${_rc}):\n${_dynamic}")
  endif()
  message(STATUS "[package] ${_exe} needs:\n  ${_needed}")
  foreach(_entry IN LISTS _needed)
    if(_entry MATCHES "${TENET_PKG_NOT_NEEDED}")
      message(FATAL_ERROR "[package] ${_exe} must not need a library matching '${TENET_PKG_NOT_NEEDED}', but: ${_entry}")
    endif()
  endforeach()
endif()
_run("run" "${_exe}")
message(STATUS "[package] ${TENET_PKG_SOURCE_DIR}: OK")
