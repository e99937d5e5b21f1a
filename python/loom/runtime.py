"""Running a compiled model (`loom-compile --emit=lib`) on numpy arrays.

    from loom.runtime import Model
    model = Model("libmodel.so")
    outputs = model.run({"input_ids": ids, ...})   # or a list in input order
    logits = outputs["logits"]

Goes through loomrt's C API (loom-c/Runtime.h) with ctypes: inputs are
borrowed for the call (no copy), outputs are copied into numpy arrays and
loomrt's tensors freed.
"""
import ctypes
import os

import numpy as np

# loom_dtype (ONNX's TensorProto numbers) <-> numpy.
_DTYPES = {1: np.float32, 2: np.uint8, 3: np.int8, 4: np.uint16, 5: np.int16, 6: np.int32,
           7: np.int64, 9: np.bool_, 10: np.float16, 11: np.float64, 12: np.uint32,
           13: np.uint64}
_NUMBERS = {np.dtype(v): k for k, v in _DTYPES.items()}


from .generate import LoomError  # one error class for the whole package


class Model:
    """A loaded one-step model library."""

    def __init__(self, library, threads=0):
        path = os.path.abspath(library)
        if not os.path.isfile(path):
            raise LoomError(f"no such library: {library}")
        self._lib = lib = ctypes.CDLL(path)
        vp, i64p = ctypes.c_void_p, ctypes.POINTER(ctypes.c_int64)
        lib.loom_last_error.restype = ctypes.c_char_p
        lib.loom_model_load.argtypes = [ctypes.c_char_p, ctypes.POINTER(vp)]
        lib.loom_model_unload.argtypes = [vp]
        for f in ("num_inputs", "num_outputs"):
            getattr(lib, "loom_model_" + f).argtypes = [vp]
        for f in ("input_name", "output_name"):
            getattr(lib, "loom_model_" + f).argtypes = [vp, ctypes.c_int]
            getattr(lib, "loom_model_" + f).restype = ctypes.c_char_p
        for f in ("input_dtype", "input_rank", "output_dtype", "output_rank"):
            getattr(lib, "loom_model_" + f).argtypes = [vp, ctypes.c_int]
        lib.loom_model_input_shape.argtypes = [vp, ctypes.c_int]
        lib.loom_model_input_shape.restype = i64p
        lib.loom_tensor_wrap.argtypes = [ctypes.c_int, i64p, ctypes.c_int, vp, ctypes.POINTER(vp)]
        lib.loom_tensor_destroy.argtypes = [vp]
        lib.loom_tensor_dtype.argtypes = [vp]
        lib.loom_tensor_rank.argtypes = [vp]
        lib.loom_tensor_shape.argtypes = [vp]
        lib.loom_tensor_shape.restype = i64p
        lib.loom_tensor_data.argtypes = [vp]
        lib.loom_tensor_data.restype = vp
        lib.loom_tensor_byte_size.argtypes = [vp]
        lib.loom_tensor_byte_size.restype = ctypes.c_size_t
        lib.loom_model_run.argtypes = [vp, ctypes.POINTER(vp), ctypes.c_size_t,
                                       ctypes.POINTER(vp), ctypes.c_size_t]
        lib.loom_set_num_threads.argtypes = [ctypes.c_int]
        self._check(lib.loom_set_num_threads(threads))
        self._model = vp()
        self._check(lib.loom_model_load(path.encode(), ctypes.byref(self._model)))
        m = self._model
        self.input_names = [lib.loom_model_input_name(m, i).decode()
                            for i in range(lib.loom_model_num_inputs(m))]
        self.output_names = [lib.loom_model_output_name(m, i).decode()
                             for i in range(lib.loom_model_num_outputs(m))]
        self.input_shapes = []
        for i in range(len(self.input_names)):
            rank = lib.loom_model_input_rank(m, i)
            shape = lib.loom_model_input_shape(m, i)
            self.input_shapes.append([shape[d] for d in range(rank)])  # -1: dynamic
        self.input_dtypes = [_DTYPES.get(lib.loom_model_input_dtype(m, i))
                             for i in range(len(self.input_names))]

    def _check(self, status):
        if status != 0:
            raise LoomError(self._lib.loom_last_error().decode())

    def run(self, inputs):
        """Runs the model; `inputs` is a dict by input name or a list in input
        order. Returns a dict of the outputs by name."""
        if isinstance(inputs, dict):
            missing = [n for n in self.input_names if n not in inputs]
            if missing:
                raise LoomError(f"missing inputs: {', '.join(missing)}")
            inputs = [inputs[n] for n in self.input_names]
        lib = self._lib
        arrays = [np.ascontiguousarray(a) for a in inputs]
        handles = []
        try:
            for a in arrays:
                number = _NUMBERS.get(a.dtype)
                if number is None:
                    raise LoomError(f"numpy dtype {a.dtype} has no loom dtype")
                shape = (ctypes.c_int64 * max(a.ndim, 1))(*a.shape)
                h = ctypes.c_void_p()
                self._check(lib.loom_tensor_wrap(number, shape, a.ndim,
                                                 a.ctypes.data_as(ctypes.c_void_p),
                                                 ctypes.byref(h)))
                handles.append(h)
            ins = (ctypes.c_void_p * max(len(handles), 1))(*[h.value for h in handles])
            outs = (ctypes.c_void_p * max(len(self.output_names), 1))()
            self._check(lib.loom_model_run(self._model, ins, len(handles), outs,
                                           len(self.output_names)))
            results = {}
            for name, t in zip(self.output_names, outs):
                dtype = _DTYPES[lib.loom_tensor_dtype(t)]
                rank = lib.loom_tensor_rank(t)
                shape = lib.loom_tensor_shape(t)
                dims = tuple(shape[d] for d in range(rank))
                size = lib.loom_tensor_byte_size(t)
                raw = ctypes.string_at(lib.loom_tensor_data(t), size) if size else b""
                results[name] = np.frombuffer(raw, dtype=dtype).reshape(dims).copy()
                lib.loom_tensor_destroy(t)
            return results
        finally:
            for h in handles:
                lib.loom_tensor_destroy(h)

    def close(self):
        """Unloads the model (also done when it is garbage-collected)."""
        if getattr(self, "_model", None):
            self._lib.loom_model_unload(self._model)
            self._model = None

    def __del__(self):
        self.close()
