//===- ExternalWeights.cpp - weights in a side file -----------------------===//
//
// `loom-compile --weights=file`: large constants leave the shared library
// and go to NAME.weights, which loomrt maps read-only at load time (shared
// between processes, paged in on use). The code reaches a weight through a
// pointer global that loom_model_bind_weights fills in, instead of through
// the global's own address.
//
//===----------------------------------------------------------------------===//

#include "loom/Target/Cpu/ExternalWeights.h"

#include "loom-c/Abi.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/DialectResourceBlobManager.h"

using namespace mlir;

/// The bytes of a constant's value, or nothing for values whose in-memory
/// form is not their raw data (splats, bit-packed booleans).
static std::optional<ArrayRef<char>> rawBytes(Attribute value) {
  if (auto dense = dyn_cast<DenseElementsAttr>(value)) {
    if (dense.isSplat() || dense.getElementType().isInteger(1))
      return std::nullopt;
    return dense.getRawData();
  }
  if (auto resource = dyn_cast<DenseResourceElementsAttr>(value)) {
    if (resource.getElementType().isInteger(1))
      return std::nullopt;
    if (AsmResourceBlob *blob = resource.getRawHandle().getBlob())
      return blob->getData();
  }
  return std::nullopt;
}

unsigned loom::externalizeWeights(ModuleOp module, size_t minBytes, std::string &blob) {
  MLIRContext *ctx = module.getContext();
  auto ptrType = LLVM::LLVMPointerType::get(ctx);
  SmallVector<std::pair<LLVM::GlobalOp, uint64_t>> moved; // pointer global, offset
  OpBuilder b(ctx);
  for (auto global : llvm::make_early_inc_range(module.getOps<LLVM::GlobalOp>())) {
    if (!global.getConstant() || !global.getValueAttr())
      continue;
    std::optional<ArrayRef<char>> bytes = rawBytes(global.getValueAttr());
    if (!bytes || bytes->size() < minBytes)
      continue;
    blob.resize((blob.size() + 63) / 64 * 64, '\0');
    uint64_t offset = blob.size();
    blob.append(bytes->data(), bytes->size());

    b.setInsertionPoint(global);
    std::string pointerName = (global.getSymName() + "__address").str();
    auto pointer = LLVM::GlobalOp::create(b, global.getLoc(), ptrType, /*isConstant=*/false,
                                          LLVM::Linkage::Internal, pointerName, Attribute());
    Block *init = b.createBlock(&pointer.getInitializerRegion());
    b.setInsertionPointToStart(init);
    LLVM::ReturnOp::create(b, global.getLoc(),
                           LLVM::ZeroOp::create(b, global.getLoc(), ptrType).getResult());

    // Every address of the weight now comes from the pointer global.
    StringRef name = global.getSymName();
    module.walk([&](LLVM::AddressOfOp addr) {
      if (addr.getGlobalName() != name)
        return;
      OpBuilder ub(addr);
      Value slot = LLVM::AddressOfOp::create(ub, addr.getLoc(), ptrType, pointerName);
      Value loaded = LLVM::LoadOp::create(ub, addr.getLoc(), ptrType, slot);
      addr.replaceAllUsesWith(loaded);
      addr.erase();
    });
    global.erase();
    moved.push_back({pointer, offset});
  }
  if (moved.empty()) {
    blob.clear();
    return 0;
  }

  // void loom_model_bind_weights(ptr base): pointer[i] = base + offset[i].
  b.setInsertionPointToEnd(module.getBody());
  Location loc = module.getLoc();
  auto fnType = LLVM::LLVMFunctionType::get(LLVM::LLVMVoidType::get(ctx), {ptrType});
  auto bind = LLVM::LLVMFuncOp::create(b, loc, LOOM_ABI_BIND_WEIGHTS_SYMBOL, fnType);
  Block *entry = bind.addEntryBlock(b);
  b.setInsertionPointToStart(entry);
  Value base = entry->getArgument(0);
  for (auto [pointer, offset] : moved) {
    Value off = LLVM::ConstantOp::create(b, loc, b.getI64Type(),
                                         b.getI64IntegerAttr(int64_t(offset)));
    Value address = LLVM::GEPOp::create(b, loc, ptrType, b.getI8Type(), base, ValueRange{off});
    Value slot = LLVM::AddressOfOp::create(b, loc, ptrType, pointer.getSymName());
    LLVM::StoreOp::create(b, loc, address, slot);
  }
  LLVM::ReturnOp::create(b, loc, ValueRange{});
  return moved.size();
}
