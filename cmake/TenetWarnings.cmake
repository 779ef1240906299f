# tenet_set_target_options(<target>)
#
# The one place where warnings, -Werror, instruction-set flags and
# -ftime-trace are added. Only tenet's own tests, examples and benchmarks use
# it; tenet::tenet itself carries no flags beyond cxx_std_20.
include_guard(GLOBAL)

function(tenet_set_target_options target)
  get_target_property(_type ${target} TYPE)
  if(_type STREQUAL "INTERFACE_LIBRARY")
    set(_scope INTERFACE)
  else()
    set(_scope PRIVATE)
  endif()

  if(MSVC)
    target_compile_options(${target} ${_scope} /W4 /permissive-)
    if(TENET_WERROR)
      target_compile_options(${target} ${_scope} /WX)
    endif()
  else()
    target_compile_options(${target} ${_scope} -Wall -Wextra)
    if(TENET_WERROR)
      target_compile_options(${target} ${_scope} -Werror)
    endif()
  endif()

  if(TENET_SIMD_FLAGS)
    separate_arguments(_simd UNIX_COMMAND "${TENET_SIMD_FLAGS}")
    target_compile_options(${target} ${_scope} ${_simd})
  endif()

  if(TENET_TIME_TRACE)
    target_compile_options(${target} ${_scope} $<$<CXX_COMPILER_ID:Clang>:-ftime-trace>)
  endif()
endfunction()
