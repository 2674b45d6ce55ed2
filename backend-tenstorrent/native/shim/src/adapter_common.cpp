// Names and texts of the adapter's value types, shared by both adapters (no TT-NN here).
#include <sstream>

#include "ttnn_adapter.hpp"

namespace bttshim::nn {

const char* name(DataType d) {
    switch (d) {
        case DataType::BFLOAT16: return "BFLOAT16";
        case DataType::FLOAT32: return "FLOAT32";
        case DataType::UINT32: return "UINT32";
        case DataType::BFLOAT8_B: return "BFLOAT8_B";
        case DataType::BFLOAT4_B: return "BFLOAT4_B";
        case DataType::UINT16: return "UINT16";
        case DataType::INT32: return "INT32";
    }
    return "?";
}

const char* name(Layout l) { return l == Layout::TILE ? "TILE" : "ROW_MAJOR"; }

const char* name(BufferType b) { return b == BufferType::L1 ? "L1" : "DRAM"; }

const char* name(MemoryLayout m) {
    switch (m) {
        case MemoryLayout::INTERLEAVED: return "INTERLEAVED";
        case MemoryLayout::HEIGHT_SHARDED: return "HEIGHT_SHARDED";
        case MemoryLayout::WIDTH_SHARDED: return "WIDTH_SHARDED";
        case MemoryLayout::BLOCK_SHARDED: return "BLOCK_SHARDED";
    }
    return "?";
}

const char* name(MathFidelity f) {
    switch (f) {
        case MathFidelity::LoFi: return "LoFi";
        case MathFidelity::HiFi2: return "HiFi2";
        case MathFidelity::HiFi3: return "HiFi3";
        case MathFidelity::HiFi4: return "HiFi4";
    }
    return "?";
}

const char* name(UnaryKind k) {
    switch (k) {
        case UnaryKind::RELU: return "RELU";
        case UnaryKind::SQUARE: return "SQUARE";
        case UnaryKind::RECIP: return "RECIP";
        case UnaryKind::MUL: return "MUL_UNARY_SFPU";
        case UnaryKind::ROUND: return "ROUND";
        case UnaryKind::RELU_MIN: return "RELU_MIN";
    }
    return "?";
}

std::string unary_text(const std::vector<UnaryOp>& ops) {
    std::ostringstream out;
    for (std::size_t i = 0; i < ops.size(); ++i) {
        out << (i ? "," : "") << name(ops[i].kind);
        if (ops[i].kind == UnaryKind::MUL || ops[i].kind == UnaryKind::ROUND || ops[i].kind == UnaryKind::RELU_MIN) out << '(' << ops[i].param << ')';
    }
    return out.str();
}

std::vector<uint32_t> CoreGrid::linear(uint32_t width) const {
    std::vector<uint32_t> cores;
    if (run) {
        for (uint32_t i = 0; i < x * y; ++i) cores.push_back(offset + i);
    } else {
        for (uint32_t r = 0; r < y; ++r)
            for (uint32_t c = 0; c < x; ++c) cores.push_back(r * width + c);
    }
    return cores;
}

bool CoreGrid::rectangular(uint32_t width) const {
    if (!run) return true;
    const uint32_t n = x * y;
    if (offset % width + n <= width) return true;  // inside one row
    return offset % width == 0 && n % width == 0;
}

CoreGrid CoreGrid::first(uint32_t count, uint32_t width) {
    if (count <= width) return {count, 1, 0, false};
    if (count % width == 0) return {width, count / width, 0, false};
    return {count, 1, 0, true};
}

std::string MemoryConfig::text() const {
    std::ostringstream out;
    out << nn::name(buffer) << ' ' << nn::name(layout);
    if (shard) {
        out << " shard " << shard->height << 'x' << shard->width << " on " << shard->grid.x << 'x' << shard->grid.y;
        if (shard->grid.run) out << " run from core " << shard->grid.offset;
        out << (shard->orientation == ShardOrientation::ROW_MAJOR ? " row-major" : " col-major");
    }
    return out.str();
}

std::string ComputeConfig::text() const {
    std::ostringstream out;
    out << nn::name(fidelity) << (fp32_dest_acc ? " fp32_acc" : "") << (math_approx ? " approx" : "")
        << (packer_l1_acc ? " packer_l1_acc" : "");
    return out.str();
}

uint64_t storage_bytes(const Shape& shape, DataType dtype, Layout layout) {
    uint64_t outer = 1;
    for (std::size_t i = 0; i + 2 < shape.size(); ++i) outer *= shape[i];
    const uint64_t rows = shape.size() >= 2 ? shape[shape.size() - 2] : 1, cols = shape.empty() ? 1 : shape.back();
    if (layout == Layout::TILE) {
        const uint64_t tiles = outer * ((rows + 31) / 32) * ((cols + 31) / 32);
        switch (dtype) {
            case DataType::BFLOAT8_B: return tiles * 1088;
            case DataType::BFLOAT4_B: return tiles * 576;
            case DataType::BFLOAT16:
            case DataType::UINT16: return tiles * 2048;
            default: return tiles * 4096;
        }
    }
    const uint64_t element = (dtype == DataType::BFLOAT16 || dtype == DataType::UINT16) ? 2 : 4;
    return outer * rows * cols * element;
}

std::string shape_text(const Shape& s) {
    std::ostringstream out;
    out << '[';
    for (std::size_t i = 0; i < s.size(); ++i) out << (i ? ", " : "") << s[i];
    out << ']';
    return out.str();
}

}  // namespace bttshim::nn
