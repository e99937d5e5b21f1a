//===- EntrySymbols.h - the symbols loomrt loads a model by -----*- C++ -*-===//

#ifndef LOOM_LIB_TARGET_CPU_ENTRYSYMBOLS_H
#define LOOM_LIB_TARGET_CPU_ENTRYSYMBOLS_H

#include "llvm/ADT/StringRef.h"
#include "llvm/IR/Module.h"

namespace loom::cpu {

/// Adds `loom_model_signature` and `loom_model_entry(void **args)`, which
/// calls the C interface entry `cifaceName` with args[0] (the results) and
/// args[1..numInputs] (the inputs' descriptors).
void addStepEntrySymbols(llvm::Module &module, llvm::StringRef signature,
                         llvm::StringRef cifaceName, unsigned numInputs);

/// The same for a generation loop (`@loom_generate(tokens, prompt,
/// max_new_tokens)`), plus NAME_generate, the header's entry point; with
/// `tokenizer` bytes, those as LOOM_ABI_TOKENIZER_SYMBOL and NAME_generate_text.
void addGenerateEntrySymbols(llvm::Module &module, llvm::StringRef signature,
                             llvm::StringRef name, llvm::StringRef tokenizer = {});

} // namespace loom::cpu

#endif // LOOM_LIB_TARGET_CPU_ENTRYSYMBOLS_H
