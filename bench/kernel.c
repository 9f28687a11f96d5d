/*
 * The escape-time kernel in plain scalar C, for comparison with the JS/WASM
 * kernels (bench/run.mjs compiles it with `cc -O3 -ffp-contract=off`; the flag
 * forbids fused multiply-adds, which would change the counts).
 *
 * Same semantics as renderer/kernel/scalar.ts, operation for operation:
 *   z = p*p + c; n = 0
 *   while n < max: if abs(z) > R: stop; z = (x*x - y*y, (x+x)*y) + c; n++
 * with abs(z) > R decided as renderer/kernel/seed-escape.ts does: N = x*x + y*y against
 * R*R(1 -/+ 2^-48), and libm's hypot (the seed's abs) in the band between.
 * and the same axes: numpy.linspace (i * step + a, last value exact), top row im max.
 *
 * usage: kernel WIDTH HEIGHT RE_MIN RE_MAX IM_MIN IM_MAX C_RE C_IM MAX RADIUS REPEATS
 * prints: {"work": Σ(count+1), "seconds": best of REPEATS, "cpu_seconds": that run's CPU time,
 *          "checksum": Σ count·(i+1) mod 2^32}
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double linspace_at(double a, double b, long n, long i) {
  if (n == 1) return a;
  if (i == n - 1) return b;
  double step = (b - a) / (double)(n - 1);
  return (double)i * step + a;
}

static double clock_seconds(clockid_t clock) {
  struct timespec t;
  clock_gettime(clock, &t);
  return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static double now(void) { return clock_seconds(CLOCK_MONOTONIC); }

/* CPU time: what a run costs even when other work shares the cores (the flagship bench compares it) */
static double cpu_now(void) { return clock_seconds(CLOCK_PROCESS_CPUTIME_ID); }

static uint64_t escape_counts(const double *re, long width, const double *im, long height,
                              double c_re, double c_im, uint32_t max, double radius, uint32_t *counts) {
  const int moderate = radius >= 0x1p-400 && radius <= 0x1p400;
  const double limit = moderate ? radius * radius * (1 - 0x1p-48) : -INFINITY;
  const double sure = moderate ? radius * radius * (1 + 0x1p-48) : INFINITY;
  uint64_t work = 0;
  for (long row = 0; row < height; row++) {
    const double py = im[row];
    for (long col = 0; col < width; col++) {
      const double px = re[col];
      double x = px * px - py * py + c_re;
      double y = (px + px) * py + c_im;
      uint32_t n = 0;
      double norm = x * x + y * y;
      while (n < max && !(norm > limit && (norm > sure || hypot(x, y) > radius))) {
        const double next_x = x * x - y * y + c_re;
        y = (x + x) * y + c_im;
        x = next_x;
        n++;
        norm = x * x + y * y;
      }
      counts[row * width + col] = n;
      work += (uint64_t)n + 1;
    }
  }
  return work;
}

int main(int argc, char **argv) {
  if (argc != 12) {
    fprintf(stderr, "usage: %s WIDTH HEIGHT RE_MIN RE_MAX IM_MIN IM_MAX C_RE C_IM MAX RADIUS REPEATS\n", argv[0]);
    return 2;
  }
  const long width = atol(argv[1]), height = atol(argv[2]);
  const double re_min = atof(argv[3]), re_max = atof(argv[4]), im_min = atof(argv[5]), im_max = atof(argv[6]);
  const double c_re = atof(argv[7]), c_im = atof(argv[8]), radius = atof(argv[10]);
  const uint32_t max = (uint32_t)atol(argv[9]);
  const int repeats = atoi(argv[11]);

  double *re = malloc(sizeof(double) * width), *im = malloc(sizeof(double) * height);
  uint32_t *counts = malloc(sizeof(uint32_t) * width * height);
  for (long i = 0; i < width; i++) re[i] = linspace_at(re_min, re_max, width, i);
  for (long i = 0; i < height; i++) im[i] = linspace_at(im_max, im_min, height, i);

  uint64_t work = 0;
  double best = 1e300, best_cpu = 0;
  for (int r = 0; r < repeats; r++) {
    const double start = now(), cpu_start = cpu_now();
    work = escape_counts(re, width, im, height, c_re, c_im, max, radius, counts);
    const double seconds = now() - start;
    if (seconds < best) {
      best = seconds;
      best_cpu = cpu_now() - cpu_start;
    }
  }
  uint32_t checksum = 0;
  for (long i = 0; i < width * height; i++) checksum += counts[i] * (uint32_t)(i + 1);
  printf("{\"work\": %llu, \"seconds\": %.9f, \"cpu_seconds\": %.9f, \"checksum\": %u}\n", (unsigned long long)work, best, best_cpu, checksum);
  free(re);
  free(im);
  free(counts);
  return 0;
}
