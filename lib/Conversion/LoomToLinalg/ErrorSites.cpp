//===- ErrorSites.cpp - name the nodes that report run-time errors ------===//
//
// loom-name-error-sites (Passes.td): each loomrt_report_error call gets the
// index of its node's name in the module's `loom.error_sites`, which the CPU
// target writes into the signature for loomrt's messages.
//
//===----------------------------------------------------------------------===//

#include "loom/Conversion/Passes.h"
#include "loom/Conversion/RuntimeKernels.h"
#include "loom/Support/Printable.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "llvm/ADT/StringMap.h"

namespace loom {
#define GEN_PASS_DEF_LOOMNAMEERRORSITESPASS
#include "loom/Conversion/Passes.h.inc"
} // namespace loom

using namespace mlir;

namespace {

/// The ONNX node's name in `loc`: the name of its first NameLoc (fusions
/// keep the names of the nodes they replaced in a FusedLoc), or "".
StringRef nodeName(Location loc) {
  StringRef name;
  loc->walk([&](Location inner) {
    if (auto named = dyn_cast<NameLoc>(inner)) {
      name = named.getName().getValue();
      return WalkResult::interrupt();
    }
    return WalkResult::advance();
  });
  return name;
}

struct LoomNameErrorSitesPass
    : loom::impl::LoomNameErrorSitesPassBase<LoomNameErrorSitesPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    StringRef reporter = loom::runtimeKernelName(loom::RuntimeKernel::loomrt_report_error);
    llvm::StringMap<int32_t> indices;
    SmallVector<Attribute> sites;
    module.walk([&](func::CallOp call) {
      if (call.getCallee() != reporter || call.getNumOperands() != 2)
        return;
      StringRef name = nodeName(call.getLoc());
      if (name.empty())
        return;
      auto [it, inserted] = indices.try_emplace(name, int32_t(sites.size()));
      if (inserted)
        sites.push_back(
            StringAttr::get(module.getContext(), "node '" + loom::escapeControlCharacters(name) + "'"));
      OpBuilder b(call);
      Value site =
          arith::ConstantOp::create(b, call.getLoc(), b.getI32IntegerAttr(it->second));
      call->setOperand(1, site);
    });
    if (!sites.empty())
      module->setAttr("loom.error_sites", ArrayAttr::get(module.getContext(), sites));
  }
};

} // namespace
