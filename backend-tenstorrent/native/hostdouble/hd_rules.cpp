// The registry of the host double's precondition rules and the error a broken rule raises.
#include "hd_rules.hpp"

namespace bttshim::nn::hd {

std::vector<const Rule*>& all_rules() {
    static std::vector<const Rule*> rules;
    return rules;
}

void violated(const Rule& rule, const std::string& detail) {
    throw PreconditionError(rule, std::string(rule.op) + ": rule " + rule.id + " broken: " + rule.text + " (" + detail +
                                      "; tt-metal " + rule.source + " @622c6fb9)");
}

}  // namespace bttshim::nn::hd
