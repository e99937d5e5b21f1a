//===- EntrySymbols.cpp - the symbols loomrt loads a model by ---*- C++ -*-===//
//
// Every compiled model exports `loom_model_signature` (its signature text)
// and `loom_model_entry(void **args)`, one calling convention for loomrt
// whatever the model's inputs (see lib/Runtime/Model.cpp). A generation loop
// also exports NAME_generate, the header's entry point.
//
//===----------------------------------------------------------------------===//

#include "EntrySymbols.h"

#include "loom-c/Abi.h"
#include "loom/Dialect/Decode/Transforms/Passes.h"

#include "llvm/IR/IRBuilder.h"

using namespace mlir;

/// `loom_model_signature`: the signature text as a constant C string.
static llvm::GlobalVariable *addSignature(llvm::Module &module, StringRef signature) {
  llvm::Constant *text = llvm::ConstantDataArray::getString(module.getContext(), signature);
  return new llvm::GlobalVariable(module, text->getType(), /*isConstant=*/true,
                                  llvm::GlobalValue::ExternalLinkage, text,
                                  LOOM_ABI_SIGNATURE_SYMBOL);
}

/// An empty `void loom_model_entry(void **args)`.
static llvm::Function *createEntry(llvm::Module &module) {
  llvm::LLVMContext &ctx = module.getContext();
  auto *ptr = llvm::PointerType::getUnqual(ctx);
  return llvm::Function::Create(llvm::FunctionType::get(llvm::Type::getVoidTy(ctx), {ptr}, false),
                                llvm::GlobalValue::ExternalLinkage, LOOM_ABI_ENTRY_SYMBOL, module);
}

void loom::cpu::addStepEntrySymbols(llvm::Module &module, StringRef signature,
                                    StringRef cifaceName, unsigned numInputs) {
  addSignature(module, signature);
  llvm::Function *entry = createEntry(module);
  auto *ptr = llvm::PointerType::getUnqual(module.getContext());
  // args[0] is the results' descriptor, args[1..] the inputs'.
  llvm::IRBuilder<> b(llvm::BasicBlock::Create(module.getContext(), "entry", entry));
  SmallVector<llvm::Value *> args;
  for (unsigned i = 0; i <= numInputs; ++i)
    args.push_back(b.CreateLoad(ptr, b.CreateConstGEP1_64(ptr, entry->getArg(0), i)));
  b.CreateCall(module.getFunction(cifaceName), args);
  b.CreateRetVoid();
}

void loom::cpu::addGenerateEntrySymbols(llvm::Module &module, StringRef signature,
                                        StringRef name, StringRef tokenizer) {
  llvm::LLVMContext &ctx = module.getContext();
  llvm::GlobalVariable *sig = addSignature(module, signature);
  llvm::Function *entry = createEntry(module);
  std::string cifaceName = std::string("_mlir_ciface_") + loom::decode::kGenerateFunction;
  auto *ptr = llvm::PointerType::getUnqual(ctx);
  auto *i64 = llvm::Type::getInt64Ty(ctx);
  {
    // args[0]: the tokens' descriptor, args[1]: the prompt's, *(int64_t
    // *)args[2]: max_new_tokens.
    llvm::IRBuilder<> b(llvm::BasicBlock::Create(ctx, "entry", entry));
    llvm::Value *results = b.CreateLoad(ptr, entry->getArg(0));
    llvm::Value *prompt = b.CreateLoad(ptr, b.CreateConstGEP1_64(ptr, entry->getArg(0), 1));
    llvm::Value *maxNewPtr = b.CreateLoad(ptr, b.CreateConstGEP1_64(ptr, entry->getArg(0), 2));
    b.CreateCall(module.getFunction(cifaceName), {results, prompt, b.CreateLoad(i64, maxNewPtr)});
    b.CreateRetVoid();
  }
  // int NAME_generate(prompt, prompt_len, options, callback, user, tokens,
  //                   num_tokens, stats) hands the model's symbols to loomrt.
  auto *i32 = llvm::Type::getInt32Ty(ctx);
  SmallVector<llvm::Type *> params = {ptr, i64, ptr, ptr, ptr, ptr, ptr, ptr};
  auto *wrapper = llvm::Function::Create(llvm::FunctionType::get(i32, params, false),
                                         llvm::GlobalValue::ExternalLinkage,
                                         (name + "_generate").str(), module);
  SmallVector<llvm::Type *> linkedParams = {ptr, ptr};
  linkedParams.append(params.begin(), params.end());
  llvm::FunctionCallee linked = module.getOrInsertFunction(
      LOOM_ABI_GENERATE_LINKED_SYMBOL, llvm::FunctionType::get(i32, linkedParams, false));
  llvm::IRBuilder<> b(llvm::BasicBlock::Create(ctx, "entry", wrapper));
  SmallVector<llvm::Value *> args = {sig, entry};
  for (llvm::Argument &a : wrapper->args())
    args.push_back(&a);
  b.CreateRet(b.CreateCall(linked, args));
  if (tokenizer.empty())
    return;
  // The tokenizer file's bytes, and int NAME_generate_text(prompt, options,
  // callback, user, stats) handing them to loomrt with the model's symbols.
  llvm::Constant *bytes = llvm::ConstantDataArray::getRaw(
      tokenizer, tokenizer.size(), llvm::Type::getInt8Ty(ctx));
  auto *data = new llvm::GlobalVariable(module, bytes->getType(), /*isConstant=*/true,
                                        llvm::GlobalValue::ExternalLinkage, bytes,
                                        LOOM_ABI_TOKENIZER_SYMBOL);
  SmallVector<llvm::Type *> textParams = {ptr, ptr, ptr, ptr, ptr};
  auto *textWrapper = llvm::Function::Create(llvm::FunctionType::get(i32, textParams, false),
                                             llvm::GlobalValue::ExternalLinkage,
                                             (name + "_generate_text").str(), module);
  SmallVector<llvm::Type *> textLinkedParams = {ptr, ptr, ptr};
  textLinkedParams.append(textParams.begin(), textParams.end());
  llvm::FunctionCallee textLinked = module.getOrInsertFunction(
      LOOM_ABI_GENERATE_TEXT_LINKED_SYMBOL,
      llvm::FunctionType::get(i32, textLinkedParams, false));
  llvm::IRBuilder<> tb(llvm::BasicBlock::Create(ctx, "entry", textWrapper));
  SmallVector<llvm::Value *> textArgs = {sig, entry, data};
  for (llvm::Argument &a : textWrapper->args())
    textArgs.push_back(&a);
  tb.CreateRet(tb.CreateCall(textLinked, textArgs));
}
