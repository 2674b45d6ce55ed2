// Preconditions of the TT-NN ops, as the host double enforces them.
//
// Each rule names the op, a stable id, what TT-NN requires and the tt-metal file (at 622c6fb9) whose
// validation code enforces it; rules are defined next to the op that checks them (hd_ops_*.cpp). A
// broken rule throws PreconditionError where a card would throw (TT_FATAL at op dispatch), with a
// message naming the op and the rule. Every rule registers itself, so a test can prove that each
// one has a case that breaks it (test/preconditions_test.cpp).
#pragma once

#include <stdexcept>
#include <string>
#include <vector>

namespace bttshim::nn::hd {

struct Rule {
    const char* op;      // "ttnn::transformer::scaled_dot_product_attention_decode"
    const char* id;      // "sdpa_decode.q_placement"
    const char* text;    // "Q must be height-sharded or DRAM interleaved"
    const char* source;  // "ttnn/cpp/ttnn/operations/transformer/sdpa_decode/device/sdpa_decode_device_operation.cpp"
};

class PreconditionError : public std::runtime_error {
public:
    PreconditionError(const Rule& rule, const std::string& message) : std::runtime_error(message), rule_(&rule) {}
    const Rule& rule() const { return *rule_; }

private:
    const Rule* rule_;
};

/* Every rule of the double, in registration order. */
std::vector<const Rule*>& all_rules();

struct RuleRegistration {
    explicit RuleRegistration(const Rule* rule) { all_rules().push_back(rule); }
};

[[noreturn]] void violated(const Rule& rule, const std::string& detail);

inline void check(bool ok, const Rule& rule, const std::string& detail) {
    if (!ok) violated(rule, detail);
}

}  // namespace bttshim::nn::hd

#define HD_RULE(var, op, id, text, source)                         \
    static const ::bttshim::nn::hd::Rule var{op, id, text, source}; \
    static const ::bttshim::nn::hd::RuleRegistration var##_registered(&var)
