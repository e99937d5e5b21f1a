#===- AddLoom.cmake - one way to declare every loom target ----------------===#
#
# Thin wrappers so that every library, tool and ODS target in loom is declared
# the same way. All of them link the shared libMLIR.so / libLLVM.so and never the
# static component archives: mixing the two registers LLVM's command-line
# options twice and aborts at start-up.
#
#===----------------------------------------------------------------------===#

# add_loom_dialect_tablegen(<Dialect> <dialect-namespace>)
#   Runs mlir-tblgen on <Dialect>Ops.td in the current include directory and
#   produces the op, dialect, type/attribute and enum .inc files plus a
#   Loom<Dialect>IncGen target.
function(add_loom_dialect_tablegen dialect namespace)
  set(LLVM_TARGET_DEFINITIONS ${dialect}Ops.td)
  mlir_tablegen(${dialect}Ops.h.inc -gen-op-decls)
  mlir_tablegen(${dialect}Ops.cpp.inc -gen-op-defs)
  mlir_tablegen(${dialect}Dialect.h.inc -gen-dialect-decls -dialect=${namespace})
  mlir_tablegen(${dialect}Dialect.cpp.inc -gen-dialect-defs -dialect=${namespace})
  mlir_tablegen(${dialect}Types.h.inc -gen-typedef-decls -typedefs-dialect=${namespace})
  mlir_tablegen(${dialect}Types.cpp.inc -gen-typedef-defs -typedefs-dialect=${namespace})
  mlir_tablegen(${dialect}Attrs.h.inc -gen-attrdef-decls -attrdefs-dialect=${namespace})
  mlir_tablegen(${dialect}Attrs.cpp.inc -gen-attrdef-defs -attrdefs-dialect=${namespace})
  mlir_tablegen(${dialect}Enums.h.inc -gen-enum-decls)
  mlir_tablegen(${dialect}Enums.cpp.inc -gen-enum-defs)
  add_public_tablegen_target(Loom${dialect}IncGen)
  # Markdown reference generated from the same ODS (see docs/).
  set(LLVM_TARGET_DEFINITIONS ${dialect}Ops.td)
  mlir_tablegen(${dialect}Dialect.md -gen-dialect-doc -dialect=${namespace})
  add_public_tablegen_target(Loom${dialect}DocGen)
  set_property(GLOBAL APPEND PROPERTY LOOM_DOC_TARGETS Loom${dialect}DocGen)
  set_property(GLOBAL APPEND PROPERTY LOOM_DOC_FILES
    ${CMAKE_CURRENT_BINARY_DIR}/${dialect}Dialect.md)
endfunction()

# add_loom_library(<name> <sources>... [DEPENDS <targets>...] [LINK_LIBS <libs>...])
function(add_loom_library name)
  cmake_parse_arguments(ARG "" "" "DEPENDS;LINK_LIBS" ${ARGN})
  add_library(${name} STATIC ${ARG_UNPARSED_ARGUMENTS})
  if(ARG_DEPENDS)
    add_dependencies(${name} ${ARG_DEPENDS})
  endif()
  target_link_libraries(${name} PUBLIC ${ARG_LINK_LIBS} MLIR LLVM)
endfunction()

# add_loom_tool(<name> <sources>... [LINK_LIBS <libs>...])
function(add_loom_tool name)
  cmake_parse_arguments(ARG "" "" "LINK_LIBS" ${ARGN})
  add_executable(${name} ${ARG_UNPARSED_ARGUMENTS})
  target_link_libraries(${name} PRIVATE ${ARG_LINK_LIBS} MLIR LLVM)
endfunction()
