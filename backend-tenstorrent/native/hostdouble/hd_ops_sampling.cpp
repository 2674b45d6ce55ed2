// argmax and top-k on the host double.
#include <algorithm>
#include <limits>
#include <numeric>

#include "hd_ops.hpp"

namespace bttshim::nn {

using namespace hd;

namespace {

const char* const kArgmaxSource = "ttnn/cpp/ttnn/operations/reduction/argmax/device/argmax_device_operation.cpp";
const char* const kTopkSource = "ttnn/cpp/ttnn/operations/reduction/topk/device/topk_device_operation.cpp";

HD_RULE(kArgmaxInterleaved, "ttnn::argmax", "argmax.interleaved", "input and output must be INTERLEAVED", kArgmaxSource);
HD_RULE(kArgmaxDtype, "ttnn::argmax", "argmax.input",
        "a ROW_MAJOR input is BF16/FLOAT32/INT32/UINT32/UINT16; a TILE input is BF16/FLOAT32 of rank > 1 and needs dim",
        kArgmaxSource);
HD_RULE(kArgmaxDim, "ttnn::argmax", "argmax.dim", "a ROW_MAJOR input reduces its last dim, a TILE input its last two",
        kArgmaxSource);
HD_RULE(kArgmaxOutput, "ttnn::argmax", "argmax.output",
        "the output is UINT32 ROW_MAJOR with the reduced shape", kArgmaxSource);

HD_RULE(kTopkInput, "ttnn::topk", "topk.input", "the input must be TILE, BFLOAT16 or BFLOAT8_B, and not sharded",
        kTopkSource);
HD_RULE(kTopkK, "ttnn::topk", "topk.k", "k must be non-zero, at most the last dim, on the last dim", kTopkSource);
HD_RULE(kTopkL1, "ttnn::topk", "topk.single_core_l1",
        "off the multi-core path (padded width >= 8192, a power of two below 65535, k <= 64) one core holds the "
        "input, transposed, result and output circular buffers of k rounded up to the tile in its L1",
        "ttnn/cpp/ttnn/operations/reduction/topk/device/topk_utils.cpp (verify_single_core_cost), "
        "topk_device_operation.cpp (select_program_factory)");

}  // namespace

Tensor argmax(const Tensor& t, int dim, bool keepdim, const std::optional<MemoryConfig>& memory,
              const std::optional<Tensor>& output) {
    const char* op = "ttnn::argmax";
    require_device_tensor(op, t, "input");
    TensorImpl& in = t.impl();
    const MemoryConfig mem = output ? output->memory() : out_memory(memory, t);
    check(!in.memory.is_sharded() && !mem.is_sharded(), kArgmaxInterleaved,
          "input " + in.memory.text() + ", output " + mem.text());
    const DataType d = in.dtype;
    if (in.layout == Layout::ROW_MAJOR) {
        check(d == DataType::BFLOAT16 || d == DataType::FLOAT32 || d == DataType::INT32 || d == DataType::UINT32 ||
                  d == DataType::UINT16,
              kArgmaxDtype, std::string("ROW_MAJOR ") + name(d));
    } else {
        check((d == DataType::BFLOAT16 || d == DataType::FLOAT32) && in.padded().size() > 1, kArgmaxDtype,
              std::string("TILE ") + name(d) + " " + shape_text(in.shape));
    }
    const int axis = normalize_dim(dim, in.shape.size());
    check(axis == static_cast<int>(in.shape.size()) - 1, kArgmaxDim,
          "dim " + std::to_string(dim) + " of " + shape_text(in.shape) + " (the double reduces the last dim)");
    Shape shape = in.shape;
    shape.back() = 1;
    if (!keepdim) shape.pop_back();
    if (shape.empty()) shape.push_back(1);
    Tensor out;
    if (output) {
        require_device_tensor(op, *output, "optional_output_tensor");
        check(output->dtype() == DataType::UINT32 && output->layout() == Layout::ROW_MAJOR && output->shape() == shape,
              kArgmaxOutput, std::string("output ") + name(output->dtype()) + " " + name(output->layout()) + " " +
                                 shape_text(output->shape()) + " for " + shape_text(shape));
        out = *output;
    } else {
        out = allocate(in.device(), shape, DataType::UINT32, Layout::ROW_MAJOR, mem);
    }
    BufferRef src = buf(t), dst = buf(out);
    const uint64_t width = in.shape.back();
    launch(in.device(), op, "", false, [=](DeviceImpl& dev) {
        read_all(dev, *src);
        write_all(dev, *dst);
        if (!has_data({src.get(), dst.get()})) return;
        const std::vector<float> v = floats(*src, d);
        for (uint64_t r = 0; r < v.size() / width; ++r) {
            uint64_t best = 0;  // the first of equal maxima
            for (uint64_t i = 1; i < width; ++i) {
                if (v[r * width + i] > v[r * width + best]) best = i;
            }
            dst->words[r] = static_cast<uint32_t>(best);
        }
    });
    return out;
}

std::pair<Tensor, Tensor> topk(const Tensor& t, uint32_t k, int dim, bool largest, bool sorted,
                               const std::optional<MemoryConfig>& memory) {
    const char* op = "ttnn::topk";
    require_device_tensor(op, t, "input");
    TensorImpl& in = t.impl();
    const MemoryConfig mem = out_memory(memory, t);
    check(in.layout == Layout::TILE && (in.dtype == DataType::BFLOAT16 || in.dtype == DataType::BFLOAT8_B) &&
              !in.memory.is_sharded() && !mem.is_sharded(),
          kTopkInput, std::string(name(in.dtype)) + " " + name(in.layout) + " " + in.memory.text());
    const int axis = normalize_dim(dim, in.shape.size());
    check(k != 0 && k <= in.shape.back() && axis == static_cast<int>(in.shape.size()) - 1, kTopkK,
          "k = " + std::to_string(k) + ", dim " + std::to_string(dim) + " of " + shape_text(in.shape));
    if (!largest || !sorted) throw std::runtime_error("ttnn::topk: the host double implements largest, sorted top-k");
    const uint64_t width = in.shape.back();
    DeviceImpl& device = in.device();
    // topk.cpp: the kernel runs on k rounded up to the tile (adjusted_k), on the last dim padded to at least 64
    // with -inf (ttnn::pad) and with the tile padding filled with -inf (fill_implicit_tile_padding, a fill_pad
    // program unless the last two logical dims are whole tiles).
    const uint32_t adjusted_k = (k + kTile - 1) / kTile * kTile;
    const uint64_t padded_width = std::max<uint64_t>(64, in.padded().back());
    if (width < 64) launch(device, "ttnn::pad", "", false, [](DeviceImpl&) {});
    const uint64_t rows = in.shape.size() >= 2 ? in.shape[in.shape.size() - 2] : 1;
    if (std::max<uint64_t>(64, width) % kTile != 0 || rows % kTile != 0) {
        if (in.dtype == DataType::BFLOAT8_B) launch(device, "ttnn::typecast", "", false, [](DeviceImpl&) {});
        launch(device, "ttnn::fill_pad", "", false, [](DeviceImpl&) {});
    }
    // topk_device_operation.cpp: 16-bit indices while the padded dim fits them.
    const bool uint16_indices = padded_width <= 65535;
    const DataType index_dtype = uint16_indices ? DataType::UINT16 : DataType::UINT32;
    const bool power_of_two = (padded_width & (padded_width - 1)) == 0;
    const bool multi_core = padded_width >= 8192 && padded_width < 65535 && power_of_two && adjusted_k <= 64;
    if (!multi_core) {
        // verify_single_core_cost: 4 input tiles, 4 transposed + 2 K result tiles (bf16 for block floats), K output.
        const uint64_t k_tiles = adjusted_k / kTile;
        const uint64_t value_tile = in.dtype == DataType::BFLOAT8_B ? 1088 : 2048, compute_tile = 2048;
        const uint64_t index_tile = uint16_indices ? 2048 : 4096;
        const uint64_t cost = 4 * (value_tile + index_tile) + (4 + 2 * k_tiles) * (compute_tile + index_tile) +
                              k_tiles * (value_tile + index_tile);
        check(cost < device.options.l1_bytes_per_core, kTopkL1,
              "k = " + std::to_string(k) + " (" + std::to_string(k_tiles) + " tiles) of " + shape_text(in.shape) + " " +
                  name(in.dtype) + ": " + std::to_string(cost) + " B of circular buffers on one core of " +
                  std::to_string(device.options.l1_bytes_per_core) + " B");
    }
    Shape shape = in.shape;
    shape.back() = adjusted_k;
    Tensor values = allocate(device, shape, in.dtype, Layout::TILE, mem);
    Tensor indices = allocate(device, shape, index_dtype, Layout::TILE, mem);
    BufferRef src = buf(t), bv = buf(values), bi = buf(indices);
    const DataType d = in.dtype;
    launch(device, op, "", false, [=](DeviceImpl& dev) {
        read_all(dev, *src);
        write_all(dev, *bv);
        write_all(dev, *bi);
        if (!has_data({src.get(), bv.get(), bi.get()})) return;
        const std::vector<float> v = floats(*src, d);
        std::vector<float> rv;
        for (uint64_t r = 0; r < v.size() / width; ++r) {
            std::vector<uint32_t> order(width);
            std::iota(order.begin(), order.end(), 0u);
            // Descending, the lower index first among equal values.
            std::stable_sort(order.begin(), order.end(),
                             [&](uint32_t a, uint32_t b) { return v[r * width + a] > v[r * width + b]; });
            for (uint32_t i = 0; i < adjusted_k; ++i) {
                // Past the logical width the kernel meets the -inf padding, in index order.
                const bool real = i < width;
                rv.push_back(real ? v[r * width + order[i]] : -std::numeric_limits<float>::infinity());
                bi->words[r * adjusted_k + i] = real ? order[i] : static_cast<uint32_t>(i);
            }
        }
        store(*bv, d, std::move(rv), adjusted_k);
    });
    if (adjusted_k == k) return {values, indices};
    // topk.cpp's post_topk_transform_tensor: both outputs sliced back to k.
    Shape begins(shape.size(), 0), ends = shape;
    ends.back() = k;
    return {slice(values, begins, ends, mem), slice(indices, begins, ends, mem)};
}

}  // namespace bttshim::nn
