// CRC-32C for the TensorBoard reader's records.
#ifndef LRKIT_CRC32C_H
#define LRKIT_CRC32C_H

#include <stddef.h>

/// CRC-32C (Castagnoli, as TFRecord uses) of `n` bytes continuing from `crc` (0 to start):
/// the SSE4.2 instruction when the CPU has it, a table otherwise.
unsigned lrkit_crc32c(const unsigned char *data, size_t n, unsigned crc);

#endif
