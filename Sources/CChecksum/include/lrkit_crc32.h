// CRC-32 (IEEE 802.3, zlib's) for zip archives and Weights & Biases run files.
#ifndef LRKIT_CRC32_H
#define LRKIT_CRC32_H

#include <stddef.h>

/// CRC-32 (the IEEE polynomial, reflected, as zlib's `crc32`) of `n` bytes continuing from
/// `crc` (0 to start): eight table look-ups per eight bytes.
unsigned lrkit_crc32(const unsigned char *data, size_t n, unsigned crc);

#endif
