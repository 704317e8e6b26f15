# FindMbedTLS.cmake - locate mbedTLS on Debian 12 (2.28: headers and libraries
# only, no pkg-config file, no CMake package) and on newer systems (3.6 ships
# a CMake package, MbedTLSConfig.cmake). Defines the imported target
# tlsready::mbedtls (tls + x509 + crypto) and MbedTLS_VERSION.
if(TARGET tlsready::mbedtls)
  return()
endif()

find_package(MbedTLS CONFIG QUIET)
if(MbedTLS_FOUND AND TARGET MbedTLS::mbedtls)
  add_library(tlsready::mbedtls INTERFACE IMPORTED)
  target_link_libraries(tlsready::mbedtls INTERFACE
    MbedTLS::mbedtls MbedTLS::mbedx509 MbedTLS::mbedcrypto)
  set(MbedTLS_VERSION ${MbedTLS_VERSION})
  message(STATUS "mbedTLS ${MbedTLS_VERSION} (CMake package)")
  return()
endif()

find_path(MBEDTLS_INCLUDE_DIR mbedtls/ssl.h)
find_library(MBEDTLS_LIB mbedtls)
find_library(MBEDX509_LIB mbedx509)
find_library(MBEDCRYPTO_LIB mbedcrypto)

if(MBEDTLS_INCLUDE_DIR AND EXISTS "${MBEDTLS_INCLUDE_DIR}/mbedtls/version.h")
  file(STRINGS "${MBEDTLS_INCLUDE_DIR}/mbedtls/version.h" _v
       REGEX "^#define[ \t]+MBEDTLS_VERSION_STRING[ \t]+\"[0-9.]+\"")
  string(REGEX REPLACE ".*\"([0-9.]+)\".*" "\\1" MbedTLS_VERSION "${_v}")
endif()

include(FindPackageHandleStandardArgs)
find_package_handle_standard_args(MbedTLS
  REQUIRED_VARS MBEDTLS_INCLUDE_DIR MBEDTLS_LIB MBEDX509_LIB MBEDCRYPTO_LIB
  VERSION_VAR MbedTLS_VERSION)

if(MbedTLS_FOUND)
  add_library(tlsready::mbedtls INTERFACE IMPORTED)
  target_include_directories(tlsready::mbedtls INTERFACE ${MBEDTLS_INCLUDE_DIR})
  target_link_libraries(tlsready::mbedtls INTERFACE
    ${MBEDTLS_LIB} ${MBEDX509_LIB} ${MBEDCRYPTO_LIB})
endif()
