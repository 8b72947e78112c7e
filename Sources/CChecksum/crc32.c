#include "lrkit_crc32.h"
#include <pthread.h>
#include <stdint.h>
#include <string.h>

// Slicing-by-8 tables for the reflected IEEE polynomial, built once under pthread_once.
static uint32_t table[8][256];
static pthread_once_t table_once = PTHREAD_ONCE_INIT;

static void make_table(void) {
  for (uint32_t i = 0; i < 256; i++) {
    uint32_t c = i;
    for (int k = 0; k < 8; k++) c = c & 1 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
    table[0][i] = c;
  }
  for (int t = 1; t < 8; t++)
    for (uint32_t i = 0; i < 256; i++) table[t][i] = (table[t - 1][i] >> 8) ^ table[0][table[t - 1][i] & 0xFF];
}

unsigned lrkit_crc32(const unsigned char *p, size_t n, unsigned crc) {
  pthread_once(&table_once, make_table);
  uint32_t c = ~(uint32_t)crc;
  while (n >= 8) {
    uint64_t word;
    memcpy(&word, p, 8);
    word ^= c;
    c = table[7][word & 0xFF] ^ table[6][(word >> 8) & 0xFF] ^ table[5][(word >> 16) & 0xFF] ^
        table[4][(word >> 24) & 0xFF] ^ table[3][(word >> 32) & 0xFF] ^ table[2][(word >> 40) & 0xFF] ^
        table[1][(word >> 48) & 0xFF] ^ table[0][word >> 56];
    p += 8;
    n -= 8;
  }
  while (n--) c = table[0][(c ^ *p++) & 0xFF] ^ (c >> 8);
  return ~c;
}
