# xsimd 8.1 (Debian's libxsimd-dev) exports a target `xsimd` whose
# INTERFACE_LINK_LIBRARIES names `xtl`, a target its config never creates.
# Consumers then fail at link time with `-lxtl`. xsimd is header-only and does
# not need xtl, so drop the dangling link item. Shared by the build tree and
# by the installed tenetConfig.cmake.
if(TARGET xsimd AND NOT TARGET xtl)
  set_property(TARGET xsimd PROPERTY INTERFACE_LINK_LIBRARIES "")
endif()
