/* How `get` shows a value. The Kubernetes-aware decoder plugs in here. */
#ifndef BG_VALUE_VIEW_H
#define BG_VALUE_VIEW_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <jansson.h>

void bg_value_print(FILE *f, const uint8_t *key, size_t key_len, const uint8_t *v, size_t n);
/* Adds the value's decoded fields (and "value"/"value_b64") to obj. */
void bg_value_json(json_t *obj, const uint8_t *key, size_t key_len, const uint8_t *v, size_t n);

#endif
