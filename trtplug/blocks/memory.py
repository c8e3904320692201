"""Flat and vectorized global-memory access for kernels, by element index into any C-contiguous array.

Numba gives array data pointers only element alignment, so LLVM never merges neighbouring scalar
loads into one wide load. These intrinsics emit the wide accesses directly: `load_group` reads
GROUP (8) consecutive elements with 16-byte vector loads (two `ld.global.v4.f32` for float32, one
`ld.global.v4.u32` for float16), `store_group` writes them back the same way. The caller must
check `is_aligned(array)` (data pointer on a 16-byte boundary) and pass a group start that is a
multiple of GROUP.

float16 values are widened to float32 on load and narrowed (round to nearest) on store, so the
math in between runs in float32; other dtypes pass through unchanged.

    from numba import cuda
    from trtplug.blocks.memory import GROUP, is_aligned, load_group, store_group

    @cuda.jit
    def double(x, y):
        i = cuda.grid(1) * GROUP
        if is_aligned(x) and is_aligned(y) and i + GROUP <= y.size:
            v = load_group(x, i)
            store_group(y, i, (v[0] * 2, v[1] * 2, v[2] * 2, v[3] * 2, v[4] * 2, v[5] * 2, v[6] * 2, v[7] * 2))

Under Numba's CUDA simulator (NUMBA_ENABLE_CUDASIM=1) the same names are plain Python with the
same results, so kernels built on them can be checked on a CPU.
"""
from numba.cuda import config, extending

GROUP = 8  # elements per load_group/store_group: 16 bytes of float16, 32 bytes of float32
VECTOR_BYTES = 16  # the widest global load/store a thread can issue

SIMULATED = bool(getattr(config, "ENABLE_CUDASIM", 0) == 1)


def _math_type(dtype):
    from numba.cuda import types
    return types.float32 if dtype == types.float16 else dtype


def _data_pointer(context, builder, array_type, array):
    return context.make_array(array_type)(context, builder, array).data


def _element_pointer(context, builder, array_type, array, index_type, index):
    from numba.cuda import types
    data = _data_pointer(context, builder, array_type, array)
    return builder.gep(data, [context.cast(builder, index, index_type, types.intp)])


def _global_vectors(context, builder, array_type, element_pointer):
    """Global-space pointers to the 16-byte vectors covering GROUP elements, with their alignment."""
    from llvmlite import ir
    element = context.get_data_type(array_type.dtype)
    itemsize = context.get_abi_sizeof(element)
    lanes = min(GROUP, VECTOR_BYTES // itemsize)
    # Narrow elements travel as 32-bit words: NVVM splits a vector of 8 halves into two 8-byte
    # accesses, but keeps <4 x i32> as one 16-byte access.
    storage = ir.VectorType(ir.IntType(32), lanes * itemsize // 4) if itemsize < 4 else ir.VectorType(element, lanes)
    pointers = []
    for part in range(GROUP // lanes):
        p = builder.gep(element_pointer, [ir.Constant(ir.IntType(64), part * lanes)])
        pointers.append(builder.addrspacecast(builder.bitcast(p, storage.as_pointer()), storage.as_pointer(1)))
    return pointers, lanes * itemsize


def _unpack(builder, vector, element, itemsize):
    """The elements held in a loaded vector (of elements, or of 32-bit words packing narrow ones)."""
    from llvmlite import ir
    count = vector.type.count
    lanes = [builder.extract_element(vector, ir.Constant(ir.IntType(32), k)) for k in range(count)]
    if itemsize >= 4:
        return lanes
    bits = ir.IntType(8 * itemsize)
    return [builder.bitcast(builder.trunc(builder.lshr(word, ir.Constant(word.type, 8 * itemsize * k)), bits),
                            element)
            for word in lanes for k in range(4 // itemsize)]


def _pack(builder, items, storage, itemsize):
    """A vector of type `storage` holding `items` (elements of the array's type)."""
    from llvmlite import ir
    vector = ir.Constant(storage, ir.Undefined)
    if itemsize >= 4:
        words = items
    else:
        per_word = 4 // itemsize
        words = []
        for w in range(len(items) // per_word):
            word = ir.Constant(ir.IntType(32), 0)
            for k in range(per_word):
                raw = builder.zext(builder.bitcast(items[w * per_word + k], ir.IntType(8 * itemsize)), ir.IntType(32))
                word = builder.or_(word, builder.shl(raw, ir.Constant(ir.IntType(32), 8 * itemsize * k)))
            words.append(word)
    for k, word in enumerate(words):
        vector = builder.insert_element(vector, word, ir.Constant(ir.IntType(32), k))
    return vector


def _check_array(what, array):
    from numba.cuda import types
    from numba.cuda.core.errors import TypingError
    if not (isinstance(array, types.Array) and array.layout == "C"):
        raise TypingError(f"{what}: expected a C-contiguous array, got {array}")


@extending.intrinsic
def _is_aligned(typingctx, array):
    from numba.cuda import types
    _check_array("is_aligned", array)

    def codegen(context, builder, sig, args):
        from llvmlite import ir
        address = builder.ptrtoint(_data_pointer(context, builder, sig.args[0], args[0]), ir.IntType(64))
        low = builder.and_(address, ir.Constant(ir.IntType(64), VECTOR_BYTES - 1))
        return builder.icmp_unsigned("==", low, ir.Constant(ir.IntType(64), 0))

    return types.boolean(array), codegen


@extending.intrinsic
def _load_group(typingctx, array, index):
    from numba.cuda import types
    _check_array("load_group", array)
    result = types.UniTuple(_math_type(array.dtype), GROUP)

    def codegen(context, builder, sig, args):
        array_type, index_type = sig.args
        element = context.get_data_type(array_type.dtype)
        itemsize = context.get_abi_sizeof(element)
        start = _element_pointer(context, builder, array_type, args[0], index_type, args[1])
        pointers, align = _global_vectors(context, builder, array_type, start)
        values = []
        for pointer in pointers:
            for item in _unpack(builder, builder.load(pointer, align=align), element, itemsize):
                values.append(context.cast(builder, item, array_type.dtype, result.dtype))
        return context.make_tuple(builder, sig.return_type, values)

    return result(array, index), codegen


@extending.intrinsic
def _store_group(typingctx, array, index, values):
    from numba.cuda import types
    from numba.cuda.core.errors import TypingError
    _check_array("store_group", array)
    if not (isinstance(values, types.BaseTuple) and len(values) == GROUP):
        raise TypingError(f"store_group: expected a tuple of {GROUP} values, got {values}")

    def codegen(context, builder, sig, args):
        array_type, index_type, values_type = sig.args
        itemsize = context.get_abi_sizeof(context.get_data_type(array_type.dtype))
        start = _element_pointer(context, builder, array_type, args[0], index_type, args[1])
        pointers, align = _global_vectors(context, builder, array_type, start)
        items = [context.cast(builder, builder.extract_value(args[2], k), values_type[k], array_type.dtype)
                 for k in range(GROUP)]
        per_vector = GROUP // len(pointers)
        for part, pointer in enumerate(pointers):
            chunk = items[part * per_vector:(part + 1) * per_vector]
            builder.store(_pack(builder, chunk, pointer.type.pointee, itemsize), pointer, align=align)
        return context.get_dummy_value()

    return types.void(array, index, values), codegen


@extending.intrinsic
def _load_one(typingctx, array, index):
    from numba.cuda import types
    _check_array("load_one", array)

    def codegen(context, builder, sig, args):
        array_type, index_type = sig.args
        pointer = _element_pointer(context, builder, array_type, args[0], index_type, args[1])
        return context.cast(builder, builder.load(pointer), array_type.dtype, sig.return_type)

    return _math_type(array.dtype)(array, index), codegen


@extending.intrinsic
def _store_one(typingctx, array, index, value):
    from numba.cuda import types
    _check_array("store_one", array)

    def codegen(context, builder, sig, args):
        array_type, index_type, value_type = sig.args
        pointer = _element_pointer(context, builder, array_type, args[0], index_type, args[1])
        builder.store(context.cast(builder, args[2], value_type, array_type.dtype), pointer)
        return context.get_dummy_value()

    return types.void(array, index, value), codegen


# -- the same operations in plain Python, for the CUDA simulator ----------------------------------

def _flat(array):
    import numpy as np
    return np.asarray(getattr(array, "_ary", array)).reshape(-1)


def _widen(value):
    import numpy as np
    return np.float32(value) if getattr(value, "dtype", None) == np.float16 else value


def _simulated_is_aligned(array):
    return _flat(array).ctypes.data % VECTOR_BYTES == 0


def _simulated_load_group(array, index):
    flat = _flat(array)
    return tuple(_widen(flat[index + k]) for k in range(GROUP))


def _simulated_store_group(array, index, values):
    flat = _flat(array)
    for k in range(GROUP):
        flat[index + k] = values[k]


def _simulated_load_one(array, index):
    return _widen(_flat(array)[index])


def _simulated_store_one(array, index, value):
    _flat(array)[index] = value


if SIMULATED:
    is_aligned, load_group, store_group = _simulated_is_aligned, _simulated_load_group, _simulated_store_group
    load_one, store_one = _simulated_load_one, _simulated_store_one
else:
    is_aligned, load_group, store_group = _is_aligned, _load_group, _store_group
    load_one, store_one = _load_one, _store_one
