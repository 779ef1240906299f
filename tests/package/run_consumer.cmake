# Driver of tenet's package tests (cmake -P).
#
#   -DTENET_PKG_MODE=install   -DTENET_PKG_BUILD_DIR=<tenet build> -DTENET_PKG_PREFIX=<prefix>
#       wipe <prefix>, then `cmake --install <tenet build> --prefix <prefix>`
#   -DTENET_PKG_MODE=consumer  -DTENET_PKG_SOURCE_DIR=<project> -DTENET_PKG_BINARY_DIR=<dir>
#                              [-DTENET_PKG_ARGS=<one extra -D...>]
#       wipe <dir>, configure, build, run <dir>/consumer (must exit 0)
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
  list(APPEND _configure "${TENET_PKG_ARGS}")
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
_run("run" "${_exe}")
message(STATUS "[package] ${TENET_PKG_SOURCE_DIR}: OK")
