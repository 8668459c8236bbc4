/* Distinct-count estimate (HyperLogLog, Flajolet et al. 2007) over 64-bit
 * hashes: 2^14 one-byte registers, standard error 1.04/sqrt(2^14) = 0.8%,
 * linear counting below 2.5 * 2^14. Internal to etcdclient/rates. */
#ifndef EC_RATES_HLL_H
#define EC_RATES_HLL_H

#include <stdint.h>

#define EC_RATES_HLL_BITS 14
#define EC_RATES_HLL_REGS (1u << EC_RATES_HLL_BITS)

typedef struct ec_rates_hll {
    uint8_t reg[EC_RATES_HLL_REGS];
} ec_rates_hll;

void ec_rates_hll_init(ec_rates_hll *h);
void ec_rates_hll_add(ec_rates_hll *h, uint64_t hash);
uint64_t ec_rates_hll_estimate(const ec_rates_hll *h);

#endif
