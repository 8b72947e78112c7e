#include "lrkit_crc32c.h"
#include <stdlib.h>
#include <string.h>

// LRKIT_ISA=portable forces the portable code (the engine's kernels read the same variable).
static int forced_portable(void) {
  const char *isa = getenv("LRKIT_ISA");
  return isa && strcmp(isa, "portable") == 0;
}
#include <pthread.h>
#include <stdint.h>
#include <string.h>

// Built once, under pthread_once: concurrent first calls never race on the table.
static uint32_t table[8][256];
static pthread_once_t table_once = PTHREAD_ONCE_INIT;

static void make_table(void) {
  for (uint32_t i = 0; i < 256; i++) {
    uint32_t c = i;
    for (int k = 0; k < 8; k++) c = c & 1 ? 0x82F63B78u ^ (c >> 1) : c >> 1;
    table[0][i] = c;
  }
  for (int t = 1; t < 8; t++)
    for (uint32_t i = 0; i < 256; i++) table[t][i] = (table[t - 1][i] >> 8) ^ table[0][table[t - 1][i] & 0xFF];
}

static uint32_t crc_table(const unsigned char *p, size_t n, uint32_t crc) {
  pthread_once(&table_once, make_table);
  crc = ~crc;
  while (n >= 8) {
    uint64_t word;
    memcpy(&word, p, 8);
    word ^= crc;
    crc = table[7][word & 0xFF] ^ table[6][(word >> 8) & 0xFF] ^ table[5][(word >> 16) & 0xFF] ^
          table[4][(word >> 24) & 0xFF] ^ table[3][(word >> 32) & 0xFF] ^ table[2][(word >> 40) & 0xFF] ^
          table[1][(word >> 48) & 0xFF] ^ table[0][word >> 56];
    p += 8;
    n -= 8;
  }
  while (n--) crc = table[0][(crc ^ *p++) & 0xFF] ^ (crc >> 8);
  return ~crc;
}

#if defined(__x86_64__) && defined(__clang__)
#include <nmmintrin.h>
__attribute__((target("sse4.2"))) static uint32_t crc_hw(const unsigned char *p, size_t n, uint32_t crc) {
  uint64_t c = ~crc;
  while (n >= 8) {
    uint64_t word;
    memcpy(&word, p, 8);
    c = _mm_crc32_u64(c, word);
    p += 8;
    n -= 8;
  }
  uint32_t c32 = (uint32_t)c;
  while (n--) c32 = _mm_crc32_u8(c32, *p++);
  return ~c32;
}
#endif

// The SSE4.2 instruction unless the CPU lacks it or LRKIT_ISA=portable asks for the portable
// code; the choice is cached with atomic loads and stores (racing first calls agree).
unsigned lrkit_crc32c(const unsigned char *data, size_t n, unsigned crc) {
#if defined(__x86_64__) && defined(__clang__)
  static int cached = -1;
  int hw = __atomic_load_n(&cached, __ATOMIC_RELAXED);
  if (hw < 0) {
    __builtin_cpu_init();
    hw = __builtin_cpu_supports("sse4.2") && !forced_portable();
    __atomic_store_n(&cached, hw, __ATOMIC_RELAXED);
  }
  if (hw) return crc_hw(data, n, crc);
#endif
  return crc_table(data, n, crc);
}
