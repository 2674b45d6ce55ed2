// Data movement of the host double: copy, reshape, slice, concat, to_layout, interleaved_to_sharded.
// Composite ops follow their TT-NN wrappers: where the wrapper goes through ROW_MAJOR (an unaligned
// slice) the double runs the same untilize/tilize programs, so the conversions are counted.
#include <algorithm>

#include "hd_ops.hpp"

namespace bttshim::nn {

using namespace hd;

namespace {

HD_RULE(kCopyShape, "ttnn::copy", "copy.shape_layout",
        "source and destination must have the same logical shape and the same layout",
        "ttnn/cpp/ttnn/operations/data_movement/copy/device/copy_device_operation.cpp");
HD_RULE(kCopyDtype, "ttnn::copy", "copy.dtype_tile",
        "a dtype conversion is done only for TILE tensors; dtypes are BF16, BFP8_B, FLOAT32, BFP4_B, UINT32, INT32, UINT16",
        "ttnn/cpp/ttnn/operations/data_movement/copy/device/copy_device_operation.cpp");
HD_RULE(kReshapeVolume, "ttnn::reshape", "reshape.volume", "the new shape must hold the same number of elements",
        "ttnn/cpp/ttnn/operations/data_movement/reshape_view/reshape.cpp");
HD_RULE(kSliceBounds, "ttnn::slice", "slice.bounds", "begins must be below, and ends at most, the padded shape; begin <= end",
        "ttnn/cpp/ttnn/operations/data_movement/slice/device/slice_device_operation.cpp");
HD_RULE(kConcatMatch, "ttnn::concat", "concat.match",
        "inputs must share rank, layout, dtype, sharding and every dimension but the concat one",
        "ttnn/cpp/ttnn/operations/data_movement/concat/device/concat_device_operation.cpp");
HD_RULE(kToLayoutBlockFloat, "ttnn::to_layout", "to_layout.block_float_row_major",
        "BFLOAT8_B and BFLOAT4_B tensors cannot be ROW_MAJOR", "tt_metal/impl/tensor/spec/tensor_spec.cpp");
HD_RULE(kShardInput, "ttnn::interleaved_to_sharded", "interleaved_to_sharded.input",
        "the input must be interleaved and the output config sharded with a shard spec",
        "ttnn/cpp/ttnn/operations/data_movement/sharded/interleaved_to_sharded/device/interleaved_to_sharded_op.cpp");
HD_RULE(kShardRowMajorAlign, "ttnn::interleaved_to_sharded", "interleaved_to_sharded.row_major_alignment",
        "a ROW_MAJOR shard's width in bytes must be a multiple of the L1 alignment (16 B)",
        "ttnn/cpp/ttnn/operations/data_movement/sharded/interleaved_to_sharded/device/interleaved_to_sharded_op.cpp");

constexpr uint64_t kL1Alignment = 16;

/* Copies logical elements (32-bit words) of src into a fresh tensor of the given spec by index map. */
Tensor move(const char* op, bool conversion, const Tensor& t, const Shape& shape, DataType dtype, Layout layout,
            const MemoryConfig& memory, std::function<uint64_t(uint64_t)> source_index) {
    TensorImpl& in = t.impl();
    Tensor out = allocate(in.device(), shape, dtype, layout, memory);
    BufferRef src = buf(t), dst = buf(out);
    const DataType in_dtype = in.dtype;
    const uint64_t width = shape.back();
    launch(in.device(), op, "", conversion, [=](DeviceImpl& dev) {
        read_all(dev, *src);
        write_all(dev, *dst);
        if (!has_data({src.get(), dst.get()})) return;
        const uint64_t n = dst->words.size();
        if (in_dtype == dtype) {
            for (uint64_t i = 0; i < n; ++i) dst->words[i] = src->words[source_index(i)];
            return;
        }
        std::vector<float> v = floats(*src, in_dtype), r(n);
        for (uint64_t i = 0; i < n; ++i) r[i] = v[source_index(i)];
        store(*dst, dtype, std::move(r), width);
    });
    return out;
}

/* Row-major strides of a shape. */
std::vector<uint64_t> strides(const Shape& s) {
    std::vector<uint64_t> st(s.size(), 1);
    for (std::size_t i = s.size(); i-- > 1;) st[i - 1] = st[i] * s[i];
    return st;
}

Tensor slice_device(const Tensor& t, const Shape& begins, const Shape& ends, const MemoryConfig& memory) {
    TensorImpl& in = t.impl();
    Shape shape(begins.size());
    for (std::size_t i = 0; i < shape.size(); ++i) shape[i] = ends[i] - begins[i];
    const std::vector<uint64_t> in_st = strides(in.shape), out_st = strides(shape);
    return move("ttnn::slice", false, t, shape, in.dtype, in.layout, memory, [=](uint64_t i) {
        uint64_t src = 0;
        for (std::size_t d = 0; d < shape.size(); ++d) src += (i / out_st[d] % shape[d] + begins[d]) * in_st[d];
        return src;
    });
}

}  // namespace

void copy(const Tensor& src, Tensor& dst) {
    const char* op = "ttnn::copy";
    require_device_tensor(op, src, "source");
    require_device_tensor(op, dst, "destination");
    require_same_device(op, src, dst);
    TensorImpl& s = src.impl();
    TensorImpl& d = dst.impl();
    check(s.shape == d.shape && s.layout == d.layout, kCopyShape,
          "source " + std::string(name(s.layout)) + " " + shape_text(s.shape) + ", destination " + name(d.layout) + " " +
              shape_text(d.shape));
    check(s.dtype == d.dtype || s.layout == Layout::TILE, kCopyDtype,
          std::string(name(s.dtype)) + " " + name(s.layout) + " into " + name(d.dtype));
    BufferRef from = buf(src), to = buf(dst);
    const DataType sd = s.dtype, dd = d.dtype;
    const uint64_t width = d.shape.back();
    launch(s.device(), op, "", false, [=](DeviceImpl& dev) {
        read_all(dev, *from);
        write_all(dev, *to);
        if (!has_data({from.get(), to.get()})) return;
        if (sd == dd) {
            to->words = from->words;
        } else {
            store(*to, dd, floats(*from, sd), width);
        }
    });
}

Tensor reshape(const Tensor& t, const Shape& shape, const std::optional<MemoryConfig>& memory) {
    const char* op = "ttnn::reshape";
    require_device_tensor(op, t, "input");
    TensorImpl& in = t.impl();
    check(volume(shape) == in.elements(), kReshapeVolume, shape_text(in.shape) + " to " + shape_text(shape));
    const MemoryConfig mem = out_memory(memory, t);
    const uint32_t last = in.shape.back(), new_last = shape.back();
    const uint32_t second = in.shape.size() >= 2 ? in.shape[in.shape.size() - 2] : 1;
    const uint32_t new_second = shape.size() >= 2 ? shape[shape.size() - 2] : 1;
    // reshape.cpp: a zero-cost view when the last dim stays, the placement stays, and the rows of tiles
    // line up (ROW_MAJOR, same second-to-last dim, or both multiples of 32).
    const bool is_view = last == new_last && mem.is_sharded() == in.memory.is_sharded() && mem.buffer == in.memory.buffer &&
                         (in.layout == Layout::ROW_MAJOR || second == new_second ||
                          (second % kTile == 0 && new_second % kTile == 0));
    if (is_view) return view(t, shape);
    return move(op, false, t, shape, in.dtype, in.layout, mem, [](uint64_t i) { return i; });
}

Tensor slice(const Tensor& t, const Shape& begins, const Shape& ends, const std::optional<MemoryConfig>& memory) {
    const char* op = "ttnn::slice";
    require_device_tensor(op, t, "input");
    TensorImpl& in = t.impl();
    const Shape padded = in.padded();
    bool ok = begins.size() == in.shape.size() && ends.size() == in.shape.size();
    for (std::size_t i = 0; ok && i < begins.size(); ++i) {
        const uint32_t p = padded[padded.size() - begins.size() + i];
        ok = begins[i] < p && ends[i] <= std::min(p, in.shape[i]) && begins[i] < ends[i];
    }
    check(ok, kSliceBounds, shape_text(begins) + ".." + shape_text(ends) + " of " + shape_text(in.shape));
    const MemoryConfig mem = out_memory(memory, t);
    const std::size_t r = begins.size();
    const bool aligned = r < 2 || (begins[r - 1] % kTile == 0 && begins[r - 2] % kTile == 0);
    if (in.layout != Layout::TILE || aligned) return slice_device(t, begins, ends, mem);
    // slice.cpp: a TILE input with begins off the tile grid goes through ROW_MAJOR and back.
    Tensor rm = to_layout(t, Layout::ROW_MAJOR, mem);
    return to_layout(slice_device(rm, begins, ends, mem), Layout::TILE, mem);
}

Tensor concat(const std::vector<Tensor>& parts, int dim, const std::optional<MemoryConfig>& memory) {
    const char* op = "ttnn::concat";
    if (parts.empty()) throw std::runtime_error("ttnn::concat: need 1 or more tensors");
    for (const Tensor& p : parts) require_device_tensor(op, p, "input");
    TensorImpl& first = parts[0].impl();
    const int axis = normalize_dim(dim, first.shape.size());
    Shape shape = first.shape;
    shape[axis] = 0;
    for (const Tensor& p : parts) {
        TensorImpl& i = p.impl();
        Shape other = i.shape;
        bool ok = other.size() == shape.size() && i.layout == first.layout && i.dtype == first.dtype &&
                  i.memory.is_sharded() == first.memory.is_sharded();
        if (ok) {
            other[axis] = 0;
            Shape base = first.shape;
            base[axis] = 0;
            ok = other == base;
        }
        check(ok, kConcatMatch, std::string(name(i.dtype)) + " " + name(i.layout) + " " + shape_text(i.shape) + " with " +
                                    name(first.dtype) + " " + name(first.layout) + " " + shape_text(first.shape));
        shape[axis] += i.shape[axis];
    }
    Tensor out = allocate(first.device(), shape, first.dtype, first.layout, out_memory(memory, parts[0]));
    std::vector<BufferRef> srcs;
    std::vector<Shape> shapes;
    for (const Tensor& p : parts) {
        srcs.push_back(buf(p));
        shapes.push_back(p.shape());
    }
    BufferRef dst = buf(out);
    launch(first.device(), op, "", false, [=](DeviceImpl& dev) {
        for (const BufferRef& s : srcs) read_all(dev, *s);
        write_all(dev, *dst);
        if (!dst->stores_data) return;
        const std::vector<uint64_t> st = strides(shape);
        uint64_t offset = 0;
        for (std::size_t k = 0; k < srcs.size(); ++k) {
            const std::vector<uint64_t> in_st = strides(shapes[k]);
            for (uint64_t i = 0; i < srcs[k]->words.size(); ++i) {
                uint64_t target = 0;
                for (std::size_t d = 0; d < shape.size(); ++d) {
                    uint64_t c = i / in_st[d] % shapes[k][d];
                    target += (c + (static_cast<int>(d) == axis ? offset : 0)) * st[d];
                }
                dst->words[target] = srcs[k]->words[i];
            }
            offset += shapes[k][axis];
        }
    });
    return out;
}

Tensor to_layout(const Tensor& t, Layout layout, const std::optional<MemoryConfig>& memory) {
    const char* op = layout == Layout::TILE ? "ttnn::tilize" : "ttnn::untilize";
    require_device_tensor("ttnn::to_layout", t, "input");
    TensorImpl& in = t.impl();
    check(!(is_block_float(in.dtype) && layout == Layout::ROW_MAJOR), kToLayoutBlockFloat,
          std::string(name(in.dtype)) + " " + shape_text(in.shape) + " to ROW_MAJOR");
    if (in.layout == layout) return t;
    return move(op, true, t, in.shape, in.dtype, layout, out_memory(memory, t), [](uint64_t i) { return i; });
}

Tensor interleaved_to_sharded(const Tensor& t, const MemoryConfig& sharded) {
    const char* op = "ttnn::interleaved_to_sharded";
    require_device_tensor(op, t, "input");
    TensorImpl& in = t.impl();
    check(!in.memory.is_sharded() && sharded.is_sharded() && sharded.shard.has_value(), kShardInput,
          "input " + in.memory.text() + ", output " + sharded.text());
    if (in.layout == Layout::ROW_MAJOR) {
        const uint64_t element = (in.dtype == DataType::BFLOAT16 || in.dtype == DataType::UINT16) ? 2 : 4;
        check(sharded.shard->width * element % kL1Alignment == 0, kShardRowMajorAlign,
              "shard width " + std::to_string(sharded.shard->width) + " of " + name(in.dtype));
    }
    return move(op, false, t, in.shape, in.dtype, in.layout, sharded, [](uint64_t i) { return i; });
}

}  // namespace bttshim::nn
