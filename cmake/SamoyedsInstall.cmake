# `cmake --install`: headers (with the tablegen'd .inc files), libraries, tools,
# plugins and lib/cmake/samoyeds/SamoyedsConfig.cmake with exported targets
# (Samoyeds::MLIRSamoyeds, ...; examples/external uses them). The MLIR
# libraries are already in the MLIRTargets export set (add_mlir_library puts
# them there); the rest of the project's libraries join that set, which is
# installed under the Samoyeds:: namespace. Consumers get MLIR's `MLIR` target
# (libMLIR.so) through find_dependency.
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

set(SAMOYEDS_INSTALL_CMAKEDIR ${CMAKE_INSTALL_LIBDIR}/cmake/samoyeds)

install(DIRECTORY ${PROJECT_SOURCE_DIR}/include/samoyeds
  DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}
  FILES_MATCHING PATTERN "*.h" PATTERN "*.td")
install(DIRECTORY ${PROJECT_BINARY_DIR}/include/samoyeds
  DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}
  FILES_MATCHING PATTERN "*.inc" PATTERN "CMakeFiles" EXCLUDE)
install(DIRECTORY ${PROJECT_SOURCE_DIR}/include/samoyeds-c
  DESTINATION ${CMAKE_INSTALL_INCLUDEDIR} FILES_MATCHING PATTERN "*.h")

# Include directories: the build tree's where the targets are defined, the
# install tree's here (source paths must not leak into the exported targets).
foreach(t MLIRSamoyeds MLIRSamoyedsTransforms MLIRSamoyedsToGPU SamoyedsMLIR)
  set_property(TARGET ${t} APPEND PROPERTY INTERFACE_INCLUDE_DIRECTORIES
    $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>)
endforeach()
# One include root for every library (include/samoyeds/{Format,Runtime,...}).
set_target_properties(SamoyedsFormat samoyeds_format_c samoyeds_cpu_runtime PROPERTIES
  INTERFACE_INCLUDE_DIRECTORIES
  "$<BUILD_INTERFACE:${PROJECT_SOURCE_DIR}/include>;$<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>")

# The static MLIR libraries call into libLLVM.so as well as libMLIR.so.
foreach(t MLIRSamoyeds MLIRSamoyedsTransforms MLIRSamoyedsToGPU)
  target_link_libraries(${t} INTERFACE LLVM)
endforeach()

# Installed tools and libraries find libMLIR.so where MLIR is installed and
# the project's own libraries next to them.
set_target_properties(samoyeds-opt samoyeds-compile PROPERTIES
  INSTALL_RPATH "\$ORIGIN/../${CMAKE_INSTALL_LIBDIR};${LLVM_LIBRARY_DIR}")
set_target_properties(SamoyedsMLIR samoyeds_cpu_runtime samoyeds_format_c PROPERTIES
  INSTALL_RPATH "\$ORIGIN;${LLVM_LIBRARY_DIR}")

install(TARGETS SamoyedsFormat SamoyedsKernelConfig samoyeds_format_c samoyeds_cpu_runtime SamoyedsMLIR
                samoyeds-opt samoyeds-compile
  EXPORT MLIRTargets
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
if(TARGET SamoyedsCAPI)
  set_property(TARGET SamoyedsCAPI APPEND PROPERTY INTERFACE_INCLUDE_DIRECTORIES
    $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>)
  install(TARGETS SamoyedsCAPI EXPORT MLIRTargets
    LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR})
endif()
install(TARGETS SamoyedsDialectPlugin SamoyedsPassPlugin
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR})
if(TARGET samoyeds_runtime)
  install(TARGETS samoyeds_runtime LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR})
endif()

install(EXPORT MLIRTargets
  NAMESPACE Samoyeds::
  FILE SamoyedsTargets.cmake
  DESTINATION ${SAMOYEDS_INSTALL_CMAKEDIR})
configure_package_config_file(
  ${PROJECT_SOURCE_DIR}/cmake/SamoyedsConfig.cmake.in
  ${PROJECT_BINARY_DIR}/cmake/SamoyedsConfig.cmake
  INSTALL_DESTINATION ${SAMOYEDS_INSTALL_CMAKEDIR}
  PATH_VARS CMAKE_INSTALL_INCLUDEDIR CMAKE_INSTALL_LIBDIR CMAKE_INSTALL_BINDIR)
write_basic_package_version_file(
  ${PROJECT_BINARY_DIR}/cmake/SamoyedsConfigVersion.cmake
  VERSION ${SAMOYEDS_VERSION} COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/cmake/SamoyedsConfig.cmake
              ${PROJECT_BINARY_DIR}/cmake/SamoyedsConfigVersion.cmake
  DESTINATION ${SAMOYEDS_INSTALL_CMAKEDIR})
