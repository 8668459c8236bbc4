#include "etcdclient/rates/hll.h"

#include <math.h>
#include <string.h>

void ec_rates_hll_init(ec_rates_hll *h)
{
    memset(h->reg, 0, sizeof h->reg);
}

void ec_rates_hll_add(ec_rates_hll *h, uint64_t hash)
{
    uint32_t idx = (uint32_t)(hash >> (64 - EC_RATES_HLL_BITS));
    /* The sentinel bit bounds the rank when the remaining bits are all 0. */
    uint64_t rest = (hash << EC_RATES_HLL_BITS) | (1ull << (EC_RATES_HLL_BITS - 1));
    uint8_t rank = (uint8_t)(__builtin_clzll(rest) + 1);
    if (rank > h->reg[idx])
        h->reg[idx] = rank;
}

uint64_t ec_rates_hll_estimate(const ec_rates_hll *h)
{
    const double m = EC_RATES_HLL_REGS;
    double sum = 0;
    unsigned zeros = 0;
    for (unsigned i = 0; i < EC_RATES_HLL_REGS; i++) {
        sum += ldexp(1.0, -(int)h->reg[i]);
        zeros += h->reg[i] == 0;
    }
    double alpha = 0.7213 / (1.0 + 1.079 / m);
    double e = alpha * m * m / sum;
    if (e <= 2.5 * m && zeros > 0)
        e = m * log(m / zeros);
    return (uint64_t)llround(e);
}
