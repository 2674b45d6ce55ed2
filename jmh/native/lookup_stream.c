/*
 * What memory and native code give a streamed lookup GEMV on this machine, for comparison with the
 * Java kernel's JMH row ("GEMV gateUp ..., 32 copies cycled"). Run through bin/bench-native.
 *
 * The weights are copies of the gate/up pair in the CPU backend's 512-bit lookup layout
 * (LookupLayout: 13824 rows in 432 groups of 32, 285 words of 64 bytes a group, group-major), cycled
 * so that every pass reads them from DRAM. Each thread takes an equal run of four-group slabs of
 * every copy, as the backend's worker pool splits row groups. Four loops read the same bytes:
 *
 *   read-1    one sequential stream a thread, two 64-byte loads an iteration: a plain read loop
 *   read-4    four streams a thread, one per group of a slab, word by word: the kernel's address order
 *   kernel    LookupMatmul's slab loop in C: per word and group, field = (w >> 5f) & 31 (the mask
 *             C2 adds for selectFrom's index wrapping), vpermw from that word's table, vpaddw
 *   kernel+pf the same with a software prefetch 1 KB ahead in each stream, which Java cannot issue
 *
 * Results are GB/s of weight bytes over all threads, one line per round; rounds alternate the loops
 * so that each sees the same phase of a shared machine.
 */
#include <immintrin.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum { GROUPS = 432, WORDS = 285, WORD_SHORTS = 32, TABLE_SHORTS = 96, FLUSH = 28, SLAB = 4, MAX_THREADS = 64 };
enum mode { READ_1, READ_4, KERNEL, KERNEL_PF, MODES };
static const char *NAMES[MODES] = {"read-1", "read-4", "kernel", "kernel+pf"};

static int threads;
static int copies;
static short **weights;
static short *tables;
static volatile long sink;

static long group_shorts(void) { return (long) WORDS * WORD_SHORTS; }
static long copy_bytes(void) { return (long) GROUPS * group_shorts() * 2; }

static __m512i slab_chunk(const short *w, long stride, const short *tab, int words, int prefetch) {
    const __m512i m = _mm512_set1_epi16(31);
    __m512i a0 = _mm512_setzero_si512(), a1 = a0, a2 = a0, a3 = a0;
    for (int j = 0; j < words; j++, w += WORD_SHORTS, tab += TABLE_SHORTS) {
        if (prefetch) {
            for (int k = 0; k < SLAB; k++) {
                _mm_prefetch((const char *) (w + k * stride) + 1024, _MM_HINT_T0);
            }
        }
        __m512i t0 = _mm512_loadu_si512(tab), t1 = _mm512_loadu_si512(tab + 32), t2 = _mm512_loadu_si512(tab + 64);
        __m512i w0 = _mm512_loadu_si512(w), w1 = _mm512_loadu_si512(w + stride);
        __m512i w2 = _mm512_loadu_si512(w + 2 * stride), w3 = _mm512_loadu_si512(w + 3 * stride);
#define LOOKUP(a, x)                                                                                      \
    a = _mm512_add_epi16(a, _mm512_permutexvar_epi16(_mm512_and_si512(x, m), t0));                        \
    a = _mm512_add_epi16(a, _mm512_permutexvar_epi16(_mm512_and_si512(_mm512_srli_epi16(x, 5), m), t1));  \
    a = _mm512_add_epi16(a, _mm512_permutexvar_epi16(_mm512_and_si512(_mm512_srli_epi16(x, 10), m), t2));
        LOOKUP(a0, w0) LOOKUP(a1, w1) LOOKUP(a2, w2) LOOKUP(a3, w3)
#undef LOOKUP
    }
    return _mm512_add_epi16(_mm512_add_epi16(a0, a1), _mm512_add_epi16(a2, a3));
}

struct job { enum mode mode; long part; };

static void *run(void *arg) {
    struct job *job = arg;
    long slabs = GROUPS / SLAB;
    long g0 = SLAB * (slabs * job->part / threads), g1 = SLAB * (slabs * (job->part + 1) / threads);
    long gs = group_shorts();
    __m512i acc = _mm512_setzero_si512();
    for (int c = 0; c < copies; c++) {
        const short *w = weights[c];
        if (job->mode == READ_1) {
            for (long i = g0 * gs; i < g1 * gs; i += 2 * WORD_SHORTS) {
                acc = _mm512_add_epi64(acc, _mm512_load_si512(w + i));
                acc = _mm512_add_epi64(acc, _mm512_load_si512(w + i + WORD_SHORTS));
            }
            continue;
        }
        for (long g = g0; g < g1; g += SLAB) {
            for (int j0 = 0; j0 < WORDS; j0 += FLUSH) {
                int n = j0 + FLUSH < WORDS ? FLUSH : WORDS - j0;
                const short *p = w + g * gs + (long) j0 * WORD_SHORTS;
                if (job->mode == READ_4) {
                    for (int j = 0; j < n; j++) {
                        for (int k = 0; k < SLAB; k++) {
                            acc = _mm512_add_epi64(acc, _mm512_load_si512(p + k * gs + j * WORD_SHORTS));
                        }
                    }
                } else {
                    acc = _mm512_add_epi16(acc, slab_chunk(p, gs, tables + j0 * TABLE_SHORTS, n, job->mode == KERNEL_PF));
                }
            }
        }
    }
    sink += _mm512_reduce_add_epi64(acc);
    return NULL;
}

static double measure(enum mode mode) {
    pthread_t tid[MAX_THREADS];
    struct job jobs[MAX_THREADS];
    struct timespec a, b;
    clock_gettime(CLOCK_MONOTONIC, &a);
    for (int p = 0; p < threads; p++) {
        jobs[p] = (struct job) {mode, p};
        pthread_create(&tid[p], NULL, run, &jobs[p]);
    }
    for (int p = 0; p < threads; p++) {
        pthread_join(tid[p], NULL);
    }
    clock_gettime(CLOCK_MONOTONIC, &b);
    double s = (b.tv_sec - a.tv_sec) + (b.tv_nsec - a.tv_nsec) / 1e9;
    return (double) copies * copy_bytes() / s / 1e9;
}

int main(int argc, char **argv) {
    if (argc != 4) {
        fprintf(stderr, "usage: lookup_stream THREADS MEGABYTES ROUNDS\n");
        return 2;
    }
    threads = atoi(argv[1]);
    long mb = atol(argv[2]);
    int rounds = atoi(argv[3]);
    if (threads < 1 || threads > MAX_THREADS || mb < 1 || rounds < 1) {
        fprintf(stderr, "lookup_stream: THREADS must be 1..%d, MEGABYTES and ROUNDS at least 1\n", MAX_THREADS);
        return 2;
    }
    copies = (int) ((mb * 1000000L + copy_bytes() - 1) / copy_bytes());
    weights = calloc(copies, sizeof *weights);
    tables = aligned_alloc(64, (size_t) WORDS * TABLE_SHORTS * 2);
    if (weights == NULL || tables == NULL) {
        fprintf(stderr, "lookup_stream: out of memory\n");
        return 1;
    }
    srand(7);
    for (long i = 0; i < (long) WORDS * TABLE_SHORTS; i++) {
        tables[i] = (short) (rand() % 769 - 384);
    }
    for (int c = 0; c < copies; c++) {
        weights[c] = aligned_alloc(64, copy_bytes());
        if (weights[c] == NULL) {
            fprintf(stderr, "lookup_stream: out of memory at copy %d\n", c);
            return 1;
        }
        for (long i = 0; i < copy_bytes() / 2; i++) {
            weights[c][i] = (short) (rand() & 0x7fff);
        }
    }
    printf("# %d thread(s), %d copies of %.2f MB (%.0f MB), GB/s of weight bytes\n", threads, copies,
           copy_bytes() / 1e6, copies * copy_bytes() / 1e6);
    for (int m = 0; m < MODES; m++) {
        measure(m); /* warm-up: page faults, frequency */
    }
    for (int r = 0; r < rounds; r++) {
        for (int m = 0; m < MODES; m++) {
            printf("%s %.1f%s", NAMES[m], measure(m), m + 1 < MODES ? "  " : "\n");
        }
        fflush(stdout);
    }
    return 0;
}
