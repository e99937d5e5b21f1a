//===- IndexedFill.cpp - a tensor computed from its element indices -------===//

#include "IndexedFill.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

using namespace mlir;

Value loom::fillFromIndices(
    OpBuilder &b, Location loc, RankedTensorType type, ValueRange dynamicSizes,
    llvm::function_ref<Value(OpBuilder &, Location, ValueRange indices)>
        element) {
  const int64_t rank = type.getRank();
  Value init = tensor::EmptyOp::create(b, loc, type.getShape(),
                                       type.getElementType(), dynamicSizes);
  auto map = AffineMap::getMultiDimIdentityMap(unsigned(rank), b.getContext());
  SmallVector<utils::IteratorType> parallel(size_t(rank),
                                            utils::IteratorType::parallel);
  return linalg::GenericOp::create(
             b, loc, TypeRange{type}, ValueRange{}, ValueRange{init},
             SmallVector<AffineMap>{map}, parallel,
             [&](OpBuilder &nb, Location nloc, ValueRange) {
               SmallVector<Value> indices;
               for (int64_t d = 0; d < rank; ++d)
                 indices.push_back(linalg::IndexOp::create(nb, nloc, d));
               linalg::YieldOp::create(nb, nloc, element(nb, nloc, indices));
             })
      .getResult(0);
}
