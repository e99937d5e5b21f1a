//===- DeclareRuntimeKernels.cpp - loomrt kernels for the lowerings ------===//
//
// The lowerings of loom.attention and loom.softmax run on each function and
// must not add symbols to the module, so the loomrt functions they call are
// declared here first.
//
//===----------------------------------------------------------------------===//

#include "loom/Conversion/Passes.h"

namespace loom {
#define GEN_PASS_DEF_LOOMDECLARERUNTIMEKERNELSPASS
#include "loom/Conversion/Passes.h.inc"
} // namespace loom

using namespace mlir;

namespace {

struct LoomDeclareRuntimeKernelsPass
    : loom::impl::LoomDeclareRuntimeKernelsPassBase<LoomDeclareRuntimeKernelsPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    bool attention = false, softmax = false;
    module.walk([&](Operation *op) {
      attention |= isa<loom::AttentionOp>(op);
      softmax |= isa<loom::SoftmaxOp>(op);
    });
    if (!attention && !softmax)
      return;
    MLIRContext *ctx = module.getContext();
    OpBuilder b = OpBuilder::atBlockBegin(module.getBody());
    // f32 views of any strides and dynamic sizes.
    auto view = [&](int64_t rank) -> Type {
      SmallVector<int64_t> dynamic(rank, ShapedType::kDynamic);
      return MemRefType::get(dynamic, b.getF32Type(),
                             StridedLayoutAttr::get(ctx, ShapedType::kDynamic, dynamic));
    };
    Type f32 = b.getF32Type(), i1 = b.getI1Type(), i32 = b.getI32Type();
    auto declare = [&](StringRef name, SmallVector<Type> args) {
      if (module.lookupSymbol(name))
        return;
      auto decl = func::FuncOp::create(b, module.getLoc(), name, b.getFunctionType(args, {}));
      decl.setPrivate();
      decl->setAttr("llvm.emit_c_interface", b.getUnitAttr());
    };
    if (softmax) // in, out, algorithm
      declare("loomrt_softmax_f32", {view(2), view(2), i32});
    if (!attention)
      return;
    Type v4 = view(4);
    // q, k, v, (mask,) out, scale, causal, softcap (0: none)
    declare("loomrt_attention_f32", {v4, v4, v4, v4, f32, i1, f32});
    declare("loomrt_attention_masked_f32", {v4, v4, v4, v4, v4, f32, i1, f32});
  }
};

} // namespace
