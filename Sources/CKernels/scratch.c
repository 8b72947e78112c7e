#include "scratch.h"
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

typedef struct {
  float *data[LRKIT_SCRATCH_SLOTS];
  size_t capacity[LRKIT_SCRATCH_SLOTS];
} scratch_set;

static pthread_key_t key;
static pthread_once_t once = PTHREAD_ONCE_INIT;

static void destroy(void *p) {
  scratch_set *s = p;
  for (int i = 0; i < LRKIT_SCRATCH_SLOTS; i++) free(s->data[i]);
  free(s);
}

static void make_key(void) { pthread_key_create(&key, destroy); }

float *lrkit_scratch(int slot, size_t count) {
  pthread_once(&once, make_key);
  scratch_set *s = pthread_getspecific(key);
  if (!s) {
    s = calloc(1, sizeof *s);
    if (!s || pthread_setspecific(key, s) != 0) {
      fputs("lrkit: out of memory for kernel scratch\n", stderr);
      abort();
    }
  }
  if (count == 0) count = 1;
  if (count > s->capacity[slot]) {
    free(s->data[slot]);
    size_t bytes = ((count * sizeof(float) + 63) / 64) * 64;
    s->data[slot] = aligned_alloc(64, bytes);
    if (!s->data[slot]) {
      fputs("lrkit: out of memory for kernel scratch\n", stderr);
      abort();
    }
    s->capacity[slot] = count;
  }
  return s->data[slot];
}
