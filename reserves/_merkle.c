/*
 * reserves._merkle: the hot loops of OpenZeppelin's StandardMerkleTree in C.
 *
 * Why C: a StandardMerkleTree over n leaves costs 3n-1 keccak calls plus n ABI encodings. From Python each
 * call costs ~1.8 us of interpreter overhead against well under 1 us of hashing, so a million-lot round spends
 * its time crossing the C boundary. Here one call encodes and hashes every leaf, one call sorts and builds the
 * tree, one call writes every proof. The pure-Python implementation in reserves/merkle.py stays the reference:
 * the tests check that both produce identical trees, and that both match OpenZeppelin's JavaScript library.
 *
 * Keccak-256 is the original Keccak submission (padding 0x01, not SHA-3's 0x06), as Ethereum uses it.
 * Hashing runs with the GIL released on up to `threads` POSIX threads; leaves are independent and each tree
 * level only depends on the level below.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ------------------------------------------------------------------------------------------ keccak-f[1600] */

static const uint64_t RC[24] = {
    0x0000000000000001ULL, 0x0000000000008082ULL, 0x800000000000808aULL, 0x8000000080008000ULL,
    0x000000000000808bULL, 0x0000000080000001ULL, 0x8000000080008081ULL, 0x8000000000008009ULL,
    0x000000000000008aULL, 0x0000000000000088ULL, 0x0000000080008009ULL, 0x000000008000000aULL,
    0x000000008000808bULL, 0x800000000000008bULL, 0x8000000000008089ULL, 0x8000000000008003ULL,
    0x8000000000008002ULL, 0x8000000000000080ULL, 0x000000000000800aULL, 0x800000008000000aULL,
    0x8000000080008081ULL, 0x8000000000008080ULL, 0x0000000080000001ULL, 0x8000000080008008ULL,
};

#define ROTL(x, n) (((x) << (n)) | ((x) >> (64 - (n))))

/* The 24 rounds over 25 lanes held in local variables, so the compiler keeps the state in registers; rho and pi
 * are folded into the chi step (lane b[y][2x+3y] = rot(a[x][y])). Written once as a macro over the lane type T:
 * uint64_t for one message, a vector of 8 uint64_t for eight messages at once (one per vector element). */
#define KECCAK_F_BODY(T) \
    T a00 = s[0], a01 = s[1], a02 = s[2], a03 = s[3], a04 = s[4]; \
    T a05 = s[5], a06 = s[6], a07 = s[7], a08 = s[8], a09 = s[9]; \
    T a10 = s[10], a11 = s[11], a12 = s[12], a13 = s[13], a14 = s[14]; \
    T a15 = s[15], a16 = s[16], a17 = s[17], a18 = s[18], a19 = s[19]; \
    T a20 = s[20], a21 = s[21], a22 = s[22], a23 = s[23], a24 = s[24]; \
    for (int r = 0; r < 24; r++) { \
        /* theta */ \
        T c0 = a00 ^ a05 ^ a10 ^ a15 ^ a20; \
        T c1 = a01 ^ a06 ^ a11 ^ a16 ^ a21; \
        T c2 = a02 ^ a07 ^ a12 ^ a17 ^ a22; \
        T c3 = a03 ^ a08 ^ a13 ^ a18 ^ a23; \
        T c4 = a04 ^ a09 ^ a14 ^ a19 ^ a24; \
        T d0 = c4 ^ ROTL(c1, 1), d1 = c0 ^ ROTL(c2, 1), d2 = c1 ^ ROTL(c3, 1); \
        T d3 = c2 ^ ROTL(c4, 1), d4 = c3 ^ ROTL(c0, 1); \
        /* rho + pi: b[y][2x+3y] = rot(a[x][y], r[x][y]) with lane index x + 5y */ \
        T b00 = a00 ^ d0; \
        T b01 = ROTL(a06 ^ d1, 44); \
        T b02 = ROTL(a12 ^ d2, 43); \
        T b03 = ROTL(a18 ^ d3, 21); \
        T b04 = ROTL(a24 ^ d4, 14); \
        T b05 = ROTL(a03 ^ d3, 28); \
        T b06 = ROTL(a09 ^ d4, 20); \
        T b07 = ROTL(a10 ^ d0, 3); \
        T b08 = ROTL(a16 ^ d1, 45); \
        T b09 = ROTL(a22 ^ d2, 61); \
        T b10 = ROTL(a01 ^ d1, 1); \
        T b11 = ROTL(a07 ^ d2, 6); \
        T b12 = ROTL(a13 ^ d3, 25); \
        T b13 = ROTL(a19 ^ d4, 8); \
        T b14 = ROTL(a20 ^ d0, 18); \
        T b15 = ROTL(a04 ^ d4, 27); \
        T b16 = ROTL(a05 ^ d0, 36); \
        T b17 = ROTL(a11 ^ d1, 10); \
        T b18 = ROTL(a17 ^ d2, 15); \
        T b19 = ROTL(a23 ^ d3, 56); \
        T b20 = ROTL(a02 ^ d2, 62); \
        T b21 = ROTL(a08 ^ d3, 55); \
        T b22 = ROTL(a14 ^ d4, 39); \
        T b23 = ROTL(a15 ^ d0, 41); \
        T b24 = ROTL(a21 ^ d1, 2); \
        /* chi + iota */ \
        a00 = b00 ^ (~b01 & b02) ^ RC[r]; \
        a01 = b01 ^ (~b02 & b03); \
        a02 = b02 ^ (~b03 & b04); \
        a03 = b03 ^ (~b04 & b00); \
        a04 = b04 ^ (~b00 & b01); \
        a05 = b05 ^ (~b06 & b07); \
        a06 = b06 ^ (~b07 & b08); \
        a07 = b07 ^ (~b08 & b09); \
        a08 = b08 ^ (~b09 & b05); \
        a09 = b09 ^ (~b05 & b06); \
        a10 = b10 ^ (~b11 & b12); \
        a11 = b11 ^ (~b12 & b13); \
        a12 = b12 ^ (~b13 & b14); \
        a13 = b13 ^ (~b14 & b10); \
        a14 = b14 ^ (~b10 & b11); \
        a15 = b15 ^ (~b16 & b17); \
        a16 = b16 ^ (~b17 & b18); \
        a17 = b17 ^ (~b18 & b19); \
        a18 = b18 ^ (~b19 & b15); \
        a19 = b19 ^ (~b15 & b16); \
        a20 = b20 ^ (~b21 & b22); \
        a21 = b21 ^ (~b22 & b23); \
        a22 = b22 ^ (~b23 & b24); \
        a23 = b23 ^ (~b24 & b20); \
        a24 = b24 ^ (~b20 & b21); \
    } \
    s[0] = a00; s[1] = a01; s[2] = a02; s[3] = a03; s[4] = a04; \
    s[5] = a05; s[6] = a06; s[7] = a07; s[8] = a08; s[9] = a09; \
    s[10] = a10; s[11] = a11; s[12] = a12; s[13] = a13; s[14] = a14; \
    s[15] = a15; s[16] = a16; s[17] = a17; s[18] = a18; s[19] = a19; \
    s[20] = a20; s[21] = a21; s[22] = a22; s[23] = a23; s[24] = a24; \
    (void)0

static void keccak_f(uint64_t s[25]) { KECCAK_F_BODY(uint64_t); }

#if defined(__GNUC__) && defined(__x86_64__) && defined(__linux__)
/* Eight independent hashes per vector register. target_clones emits an AVX-512, an AVX2 and a baseline build of
 * each kernel below and picks one at load time (ifunc), so the extension runs anywhere and uses what it finds. */
#define HAVE_X8 1
typedef uint64_t v8u64 __attribute__((vector_size(64)));
#define CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
static inline __attribute__((always_inline)) void keccak_f_x8(v8u64 s[25]) { KECCAK_F_BODY(v8u64); }
#endif

#define RATE 136

static inline uint64_t load64le(const uint8_t *p) {
    uint64_t v;
    memcpy(&v, p, 8);
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    v = __builtin_bswap64(v);
#endif
    return v;
}

static inline void store64le(uint8_t *p, uint64_t v) {
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    v = __builtin_bswap64(v);
#endif
    memcpy(p, &v, 8);
}

static void keccak256(const uint8_t *in, size_t len, uint8_t out[32]) {
    uint64_t s[25] = {0};
    while (len >= RATE) {
        for (int i = 0; i < RATE / 8; i++) s[i] ^= load64le(in + 8 * i);
        keccak_f(s);
        in += RATE;
        len -= RATE;
    }
    uint8_t last[RATE] = {0};
    memcpy(last, in, len);
    last[len] ^= 0x01;
    last[RATE - 1] ^= 0x80;
    for (int i = 0; i < RATE / 8; i++) s[i] ^= load64le(last + 8 * i);
    keccak_f(s);
    for (int i = 0; i < 4; i++) store64le(out + 8 * i, s[i]);
}

/* keccak256 of 32 bytes, and of two 32-byte nodes in ascending order: both fit one block. */
static void keccak32(const uint8_t in[32], uint8_t out[32]) {
    uint64_t s[25] = {0};
    for (int i = 0; i < 4; i++) s[i] = load64le(in + 8 * i);
    s[4] = 0x01;
    s[16] = 0x8000000000000000ULL;
    keccak_f(s);
    for (int i = 0; i < 4; i++) store64le(out + 8 * i, s[i]);
}

static void node_hash(const uint8_t *a, const uint8_t *b, uint8_t out[32]) {
    if (memcmp(a, b, 32) > 0) {
        const uint8_t *t = a;
        a = b;
        b = t;
    }
    uint64_t s[25] = {0};
    for (int i = 0; i < 4; i++) s[i] = load64le(a + 8 * i);
    for (int i = 0; i < 4; i++) s[4 + i] = load64le(b + 8 * i);
    s[8] = 0x01;
    s[16] = 0x8000000000000000ULL;
    keccak_f(s);
    for (int i = 0; i < 4; i++) store64le(out + 8 * i, s[i]);
}

#ifdef HAVE_X8
/* a macro, not a function: a function returning a 512-bit vector would have a target-dependent ABI */
#define gather8(p, off)                                                                                        \
    ((v8u64){load64le((p)[0] + (off)), load64le((p)[1] + (off)), load64le((p)[2] + (off)),                     \
             load64le((p)[3] + (off)), load64le((p)[4] + (off)), load64le((p)[5] + (off)),                     \
             load64le((p)[6] + (off)), load64le((p)[7] + (off))})

static inline __attribute__((always_inline)) void scatter8(const v8u64 s[4], uint8_t *const out[8]) {
    for (int k = 0; k < 8; k++)
        for (int w = 0; w < 4; w++) store64le(out[k] + 8 * w, s[w][k]);
}

/* keccak256(keccak256(m)) of eight messages with the same number of full blocks (len / RATE). */
CLONES static void leaf_hash_x8(const uint8_t *const msg[8], const size_t len[8], uint8_t *const out[8]) {
    v8u64 s[25];
    memset(s, 0, sizeof s);
    size_t full = len[0] / RATE;
    for (size_t b = 0; b < full; b++) {
        for (int j = 0; j < RATE / 8; j++) s[j] ^= gather8(msg, b * RATE + 8 * j);
        keccak_f_x8(s);
    }
    uint8_t last[8][RATE];
    const uint8_t *lp[8];
    for (int k = 0; k < 8; k++) {
        size_t rem = len[k] - full * RATE;
        memset(last[k], 0, RATE);
        memcpy(last[k], msg[k] + full * RATE, rem);
        last[k][rem] ^= 0x01;
        last[k][RATE - 1] ^= 0x80;
        lp[k] = last[k];
    }
    for (int j = 0; j < RATE / 8; j++) s[j] ^= gather8(lp, 8 * j);
    keccak_f_x8(s);
    /* the first digest is lanes 0..3 already: absorb them as the 32-byte message of the second hash */
    v8u64 t[25];
    memset(t, 0, sizeof t);
    for (int w = 0; w < 4; w++) t[w] = s[w];
    t[4] ^= 0x01;
    t[16] ^= 0x8000000000000000ULL;
    keccak_f_x8(t);
    scatter8(t, out);
}

/* Eight inner nodes: keccak256(min(a, b) || max(a, b)). */
CLONES static void node_hash_x8(const uint8_t *const a[8], const uint8_t *const b[8], uint8_t *const out[8]) {
    const uint8_t *lo[8], *hi[8];
    for (int k = 0; k < 8; k++) {
        int swap = memcmp(a[k], b[k], 32) > 0;
        lo[k] = swap ? b[k] : a[k];
        hi[k] = swap ? a[k] : b[k];
    }
    v8u64 s[25];
    memset(s, 0, sizeof s);
    for (int w = 0; w < 4; w++) {
        s[w] = gather8(lo, 8 * w);
        s[4 + w] = gather8(hi, 8 * w);
    }
    s[8] ^= 0x01;
    s[16] ^= 0x8000000000000000ULL;
    keccak_f_x8(s);
    scatter8(s, out);
}

/* Nodes first..first+7 of a flat tree from their children. */
static void inner_nodes_x8(const uint8_t *tree, Py_ssize_t first, uint8_t *out) {
    const uint8_t *a[8], *b[8];
    uint8_t *o[8];
    for (int k = 0; k < 8; k++) {
        Py_ssize_t i = first + k;
        a[k] = tree + 32 * (2 * i + 1);
        b[k] = tree + 32 * (2 * i + 2);
        o[k] = out + 32 * k;
    }
    node_hash_x8(a, b, o);
}
#endif

/* ------------------------------------------------------------------------------------------ threading */

typedef void (*range_fn)(void *ctx, Py_ssize_t lo, Py_ssize_t hi);

typedef struct {
    range_fn fn;
    void *ctx;
    Py_ssize_t lo, hi;
} job_t;

static void *run_job(void *arg) {
    job_t *j = (job_t *)arg;
    j->fn(j->ctx, j->lo, j->hi);
    return NULL;
}

#define MAX_THREADS 64
/* Splits [0, n) over `threads` threads; small ranges stay on the calling thread (thread start costs ~20 us). */
static void parallel_for(range_fn fn, void *ctx, Py_ssize_t n, int threads) {
    if (threads > MAX_THREADS) threads = MAX_THREADS;
    if (threads <= 1 || n < 4096) {
        fn(ctx, 0, n);
        return;
    }
    pthread_t tid[MAX_THREADS];
    job_t jobs[MAX_THREADS];
    int started[MAX_THREADS] = {0};
    Py_ssize_t step = (n + threads - 1) / threads;
    for (int t = 0; t < threads; t++) {
        jobs[t].fn = fn;
        jobs[t].ctx = ctx;
        jobs[t].lo = t * step < n ? t * step : n;
        jobs[t].hi = (t + 1) * step < n ? (t + 1) * step : n;
    }
    for (int t = 1; t < threads; t++) started[t] = pthread_create(&tid[t], NULL, run_job, &jobs[t]) == 0;
    run_job(&jobs[0]);
    for (int t = 1; t < threads; t++) {
        if (started[t])
            pthread_join(tid[t], NULL);
        else
            run_job(&jobs[t]); /* could not start a thread: do its share here */
    }
}

/* ------------------------------------------------------------------------------------------ ABI encoding */

/* One tuple element of a leaf encoding. Only the types a lot leaf and common OpenZeppelin examples use are
 * accelerated; any other encoding goes through the Python implementation. */
enum kind { K_UINT, K_ADDRESS, K_FIXED_BYTES, K_BOOL, K_STRING, K_BYTES };

typedef struct {
    enum kind kind;
    int size; /* bits for uint, bytes for bytesN */
} abitype_t;

static int parse_types(PyObject *spec, abitype_t **out, Py_ssize_t *count) {
    /* spec: sequence of (kind: int, size: int) */
    PyObject *seq = PySequence_Fast(spec, "types must be a sequence of (kind, size)");
    if (!seq) return -1;
    Py_ssize_t m = PySequence_Fast_GET_SIZE(seq);
    abitype_t *types = PyMem_Calloc(m ? m : 1, sizeof(abitype_t));
    if (!types) {
        Py_DECREF(seq);
        PyErr_NoMemory();
        return -1;
    }
    for (Py_ssize_t i = 0; i < m; i++) {
        int k, sz;
        if (!PyArg_ParseTuple(PySequence_Fast_GET_ITEM(seq, i), "ii", &k, &sz)) {
            PyMem_Free(types);
            Py_DECREF(seq);
            return -1;
        }
        if (k < K_UINT || k > K_BYTES) {
            PyErr_Format(PyExc_ValueError, "unknown type kind %d", k);
            PyMem_Free(types);
            Py_DECREF(seq);
            return -1;
        }
        types[i].kind = (enum kind)k;
        types[i].size = sz;
    }
    Py_DECREF(seq);
    *out = types;
    *count = m;
    return 0;
}

static int is_dynamic(enum kind k) { return k == K_STRING || k == K_BYTES; }

/* Writes the 32-byte head word of a static value. Returns 0, or -1 with a Python exception set. */
static int encode_static(const abitype_t *t, PyObject *v, uint8_t word[32], Py_ssize_t row, Py_ssize_t col) {
    memset(word, 0, 32);
    switch (t->kind) {
    case K_UINT: {
        if (!PyLong_Check(v)) {
            PyErr_Format(PyExc_TypeError, "row %zd, column %zd: uint%d value must be an int", row, col, t->size);
            return -1;
        }
        if (_PyLong_Sign(v) < 0 || _PyLong_NumBits(v) > (size_t)t->size) {
            PyErr_Format(PyExc_OverflowError, "row %zd, column %zd: value out of range for uint%d", row, col, t->size);
            return -1;
        }
        if (_PyLong_AsByteArray((PyLongObject *)v, word, 32, 0, 0) < 0) return -1;
        return 0;
    }
    case K_BOOL:
        if (!PyBool_Check(v)) {
            PyErr_Format(PyExc_TypeError, "row %zd, column %zd: bool value must be a bool", row, col);
            return -1;
        }
        word[31] = v == Py_True;
        return 0;
    case K_ADDRESS:
    case K_FIXED_BYTES: {
        int size = t->kind == K_ADDRESS ? 20 : t->size;
        char *p;
        Py_ssize_t len;
        if (!PyBytes_Check(v) || PyBytes_AsStringAndSize(v, &p, &len) < 0 || len != size) {
            if (!PyErr_Occurred())
                PyErr_Format(PyExc_TypeError, "row %zd, column %zd: expected %d bytes", row, col, size);
            return -1;
        }
        /* addresses are right-aligned like integers, bytesN left-aligned */
        memcpy(t->kind == K_ADDRESS ? word + 12 : word, p, size);
        return 0;
    }
    default:
        PyErr_SetString(PyExc_SystemError, "encode_static on a dynamic type");
        return -1;
    }
}

static int dynamic_payload(const abitype_t *t, PyObject *v, const char **p, Py_ssize_t *len, Py_ssize_t row,
                           Py_ssize_t col) {
    if (t->kind == K_STRING) {
        if (!PyUnicode_Check(v)) {
            PyErr_Format(PyExc_TypeError, "row %zd, column %zd: string value must be a str", row, col);
            return -1;
        }
        *p = PyUnicode_AsUTF8AndSize(v, len);
        return *p ? 0 : -1;
    }
    if (!PyBytes_Check(v)) {
        PyErr_Format(PyExc_TypeError, "row %zd, column %zd: bytes value must be bytes", row, col);
        return -1;
    }
    char *q;
    if (PyBytes_AsStringAndSize(v, &q, len) < 0) return -1;
    *p = q;
    return 0;
}

/* A chunk of encoded leaves waiting to be hashed outside the GIL. */
typedef struct {
    uint8_t *buf;
    Py_ssize_t *offsets; /* count + 1 entries */
    uint8_t *out;        /* 32 bytes per leaf */
} leaf_chunk_t;

static void hash_leaf_range(void *ctx, Py_ssize_t lo, Py_ssize_t hi) {
    leaf_chunk_t *c = (leaf_chunk_t *)ctx;
    uint8_t h[32];
    Py_ssize_t i = lo;
#ifdef HAVE_X8
    while (i + 8 <= hi) {
        const uint8_t *msg[8];
        size_t len[8];
        uint8_t *out[8];
        int same = 1;
        for (int k = 0; k < 8; k++) {
            msg[k] = c->buf + c->offsets[i + k];
            len[k] = (size_t)(c->offsets[i + k + 1] - c->offsets[i + k]);
            out[k] = c->out + 32 * (i + k);
            same &= len[k] / RATE == len[0] / RATE;
        }
        if (!same) break; /* rare: leaves of different block counts go one by one below */
        leaf_hash_x8(msg, len, out);
        i += 8;
    }
#endif
    for (; i < hi; i++) {
        keccak256(c->buf + c->offsets[i], (size_t)(c->offsets[i + 1] - c->offsets[i]), h);
        keccak32(h, c->out + 32 * i);
    }
}

#define CHUNK 65536

PyDoc_STRVAR(leaf_hashes_doc,
             "leaf_hashes(types, columns, threads=1) -> bytes\n\n"
             "keccak256(keccak256(abi.encode(types, row))) for every row, 32 bytes each, in row order.\n"
             "`types` is a sequence of (kind, size) pairs (see reserves.merkle); `columns` holds one sequence per\n"
             "type, all of the same length: int for uint, bytes for address/bytesN/bytes, str for string.");

static PyObject *py_leaf_hashes(PyObject *self, PyObject *args, PyObject *kw) {
    static char *kwlist[] = {"types", "columns", "threads", NULL};
    PyObject *spec, *cols_obj;
    int threads = 1;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "OO|i", kwlist, &spec, &cols_obj, &threads)) return NULL;
    abitype_t *types = NULL;
    Py_ssize_t m;
    if (parse_types(spec, &types, &m) < 0) return NULL;
    PyObject *cols = PySequence_Fast(cols_obj, "columns must be a sequence");
    PyObject **colseq = NULL;
    PyObject *result = NULL;
    uint8_t *buf = NULL;
    Py_ssize_t *offsets = NULL;
    Py_ssize_t n = 0, cap = 0;
    if (!cols) goto done;
    if (PySequence_Fast_GET_SIZE(cols) != m) {
        PyErr_Format(PyExc_ValueError, "%zd types but %zd columns", m, PySequence_Fast_GET_SIZE(cols));
        goto done;
    }
    colseq = PyMem_Calloc(m ? m : 1, sizeof(PyObject *));
    if (!colseq) {
        PyErr_NoMemory();
        goto done;
    }
    for (Py_ssize_t j = 0; j < m; j++) {
        colseq[j] = PySequence_Fast(PySequence_Fast_GET_ITEM(cols, j), "each column must be a sequence");
        if (!colseq[j]) goto done;
        Py_ssize_t len = PySequence_Fast_GET_SIZE(colseq[j]);
        if (j == 0) n = len;
        else if (len != n) {
            PyErr_Format(PyExc_ValueError, "column %zd has %zd values, column 0 has %zd", j, len, n);
            goto done;
        }
    }
    if (m == 0) {
        PyErr_SetString(PyExc_ValueError, "a leaf encoding needs at least one type");
        goto done;
    }
    result = PyBytes_FromStringAndSize(NULL, 32 * n);
    if (!result) goto done;
    uint8_t *out = (uint8_t *)PyBytes_AS_STRING(result);
    offsets = PyMem_Malloc((CHUNK + 1) * sizeof(Py_ssize_t));
    if (!offsets) {
        PyErr_NoMemory();
        goto fail;
    }
    for (Py_ssize_t start = 0; start < n; start += CHUNK) {
        Py_ssize_t count = n - start < CHUNK ? n - start : CHUNK;
        Py_ssize_t pos = 0;
        for (Py_ssize_t r = 0; r < count; r++) {
            Py_ssize_t row = start + r;
            offsets[r] = pos;
            /* size: head words plus padded tails */
            Py_ssize_t need = 32 * m;
            for (Py_ssize_t j = 0; j < m; j++) {
                if (!is_dynamic(types[j].kind)) continue;
                const char *p;
                Py_ssize_t len;
                if (dynamic_payload(&types[j], PySequence_Fast_GET_ITEM(colseq[j], row), &p, &len, row, j) < 0)
                    goto fail;
                need += 32 + (len + 31) / 32 * 32;
            }
            if (pos + need > cap) {
                Py_ssize_t ncap = (pos + need) * 2 > 1 << 20 ? (pos + need) * 2 : 1 << 20;
                uint8_t *nb = PyMem_Realloc(buf, ncap);
                if (!nb) {
                    PyErr_NoMemory();
                    goto fail;
                }
                buf = nb;
                cap = ncap;
            }
            uint8_t *head = buf + pos;
            Py_ssize_t tail = 32 * m;
            for (Py_ssize_t j = 0; j < m; j++) {
                PyObject *v = PySequence_Fast_GET_ITEM(colseq[j], row);
                if (!is_dynamic(types[j].kind)) {
                    if (encode_static(&types[j], v, head + 32 * j, row, j) < 0) goto fail;
                    continue;
                }
                const char *p;
                Py_ssize_t len;
                if (dynamic_payload(&types[j], v, &p, &len, row, j) < 0) goto fail;
                memset(head + 32 * j, 0, 32);
                for (int b = 0; b < 8; b++) head[32 * j + 31 - b] = (uint8_t)((uint64_t)tail >> (8 * b));
                uint8_t *t = head + tail;
                memset(t, 0, 32);
                for (int b = 0; b < 8; b++) t[31 - b] = (uint8_t)((uint64_t)len >> (8 * b));
                Py_ssize_t padded = (len + 31) / 32 * 32;
                memset(t + 32, 0, padded);
                memcpy(t + 32, p, len);
                tail += 32 + padded;
            }
            pos += tail;
        }
        offsets[count] = pos;
        leaf_chunk_t ctx = {buf, offsets, out + 32 * start};
        Py_BEGIN_ALLOW_THREADS parallel_for(hash_leaf_range, &ctx, count, threads);
        Py_END_ALLOW_THREADS
    }
    goto done;
fail:
    Py_CLEAR(result);
done:
    if (colseq) {
        for (Py_ssize_t j = 0; j < m; j++) Py_XDECREF(colseq[j]);
        PyMem_Free(colseq);
    }
    Py_XDECREF(cols);
    PyMem_Free(types);
    PyMem_Free(buf);
    PyMem_Free(offsets);
    return result;
}

/* ------------------------------------------------------------------------------------------ tree */

typedef struct {
    uint64_t key; /* first 8 bytes, big-endian: decides almost every comparison without touching the hash */
    uint32_t index;
} sort_item_t;

static const uint8_t *sort_hashes; /* qsort has no context argument; guarded by the GIL being held */

static int cmp_items(const void *pa, const void *pb) {
    const sort_item_t *a = pa, *b = pb;
    if (a->key != b->key) return a->key < b->key ? -1 : 1;
    int c = memcmp(sort_hashes + 32 * (size_t)a->index, sort_hashes + 32 * (size_t)b->index, 32);
    if (c) return c;
    /* equal hashes keep input order, as JavaScript's stable Array.prototype.sort does */
    return a->index < b->index ? -1 : a->index > b->index;
}

/* LSD radix sort on the 64-bit key, 16 bits per pass: stable, so equal keys stay in input order; runs of equal
 * keys (two leaves sharing their first 8 bytes: ~n^2 / 2^65, but possible) are then ordered by the full hash. */
static int sort_items(sort_item_t *items, Py_ssize_t n, const uint8_t *hashes) {
    sort_item_t *tmp = PyMem_RawMalloc(n * sizeof(sort_item_t));
    size_t *count = PyMem_RawMalloc(65536 * sizeof(size_t));
    if (!tmp || !count) {
        PyMem_RawFree(tmp);
        PyMem_RawFree(count);
        return -1;
    }
    sort_item_t *src = items, *dst = tmp;
    for (int shift = 0; shift < 64; shift += 16) {
        memset(count, 0, 65536 * sizeof(size_t));
        for (Py_ssize_t i = 0; i < n; i++) count[(src[i].key >> shift) & 0xffff]++;
        size_t sum = 0;
        for (int d = 0; d < 65536; d++) {
            size_t c = count[d];
            count[d] = sum;
            sum += c;
        }
        for (Py_ssize_t i = 0; i < n; i++) dst[count[(src[i].key >> shift) & 0xffff]++] = src[i];
        sort_item_t *t = src;
        src = dst;
        dst = t;
    }
    /* four passes: the sorted data is back in `items` */
    PyMem_RawFree(tmp);
    PyMem_RawFree(count);
    sort_hashes = hashes;
    for (Py_ssize_t i = 0; i + 1 < n;) {
        Py_ssize_t j = i + 1;
        while (j < n && items[j].key == items[i].key) j++;
        if (j - i > 1) qsort(items + i, j - i, sizeof(sort_item_t), cmp_items);
        i = j;
    }
    sort_hashes = NULL;
    return 0;
}

typedef struct {
    uint8_t *tree;
} level_ctx_t;

typedef struct {
    uint8_t *tree;
    Py_ssize_t base; /* first index of the level being hashed */
} level_range_t;

static void hash_level_range(void *ctx, Py_ssize_t lo, Py_ssize_t hi) {
    level_range_t *c = (level_range_t *)ctx;
    Py_ssize_t k = lo;
#ifdef HAVE_X8
    for (; k + 8 <= hi; k += 8) inner_nodes_x8(c->tree, c->base + k, c->tree + 32 * (c->base + k));
#endif
    for (; k < hi; k++) {
        Py_ssize_t i = c->base + k;
        node_hash(c->tree + 32 * (2 * i + 1), c->tree + 32 * (2 * i + 2), c->tree + 32 * i);
    }
}

/* Inner nodes n-2 .. 0. Node i depends on 2i+1 and 2i+2 only, so every index range [2^d - 1, 2^(d+1) - 1)
 * (one depth) can be hashed in parallel once the deeper range is done. */
static void hash_inner_nodes(uint8_t *tree, Py_ssize_t total, int threads) {
    Py_ssize_t inner = (total - 1) / 2; /* indices [0, inner) are internal */
    if (inner == 0) return;
    int depth = 0;
    while (((Py_ssize_t)2 << depth) - 1 < inner) depth++;
    for (int d = depth; d >= 0; d--) {
        Py_ssize_t lo = ((Py_ssize_t)1 << d) - 1;
        Py_ssize_t hi = ((Py_ssize_t)2 << d) - 1;
        if (hi > inner) hi = inner;
        if (lo >= hi) continue;
        level_range_t ctx = {tree, lo};
        parallel_for(hash_level_range, &ctx, hi - lo, threads);
    }
}

PyDoc_STRVAR(build_doc,
             "build(leaf_hashes, sort_leaves=True, threads=1) -> (tree, tree_indices)\n\n"
             "Lays out OpenZeppelin's tree: leaves sorted ascending (stable), stored reversed at the end of a\n"
             "flat array of 2n-1 nodes, inner node i = H(sorted(tree[2i+1], tree[2i+2])). Returns the tree as\n"
             "bytes (32 per node) and, for every input leaf in input order, its index in the tree.");

static PyObject *py_build(PyObject *self, PyObject *args, PyObject *kw) {
    static char *kwlist[] = {"leaf_hashes", "sort_leaves", "threads", NULL};
    Py_buffer leaves;
    int sort_leaves = 1, threads = 1;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "y*|pi", kwlist, &leaves, &sort_leaves, &threads)) return NULL;
    PyObject *tree_obj = NULL, *indices = NULL;
    sort_item_t *items = NULL;
    if (leaves.len % 32 != 0 || leaves.len == 0) {
        PyErr_SetString(PyExc_ValueError, "leaf_hashes must be a non-empty multiple of 32 bytes");
        goto fail;
    }
    Py_ssize_t n = leaves.len / 32;
    if (n > UINT32_MAX) {
        PyErr_SetString(PyExc_OverflowError, "more than 2^32 leaves");
        goto fail;
    }
    const uint8_t *lh = leaves.buf;
    items = PyMem_Malloc(n * sizeof(sort_item_t));
    if (!items) {
        PyErr_NoMemory();
        goto fail;
    }
    for (Py_ssize_t i = 0; i < n; i++) {
        uint64_t k = 0;
        for (int b = 0; b < 8; b++) k = (k << 8) | lh[32 * i + b];
        items[i].key = k;
        items[i].index = (uint32_t)i;
    }
    if (sort_leaves && sort_items(items, n, lh) < 0) {
        PyErr_NoMemory();
        goto fail;
    }
    Py_ssize_t total = 2 * n - 1;
    tree_obj = PyBytes_FromStringAndSize(NULL, 32 * total);
    indices = PyList_New(n);
    if (!tree_obj || !indices) goto fail;
    uint8_t *tree = (uint8_t *)PyBytes_AS_STRING(tree_obj);
    for (Py_ssize_t pos = 0; pos < n; pos++) {
        Py_ssize_t at = total - 1 - pos;
        memcpy(tree + 32 * at, lh + 32 * (size_t)items[pos].index, 32);
        PyObject *v = PyLong_FromSsize_t(at);
        if (!v) goto fail;
        PyList_SET_ITEM(indices, items[pos].index, v);
    }
    Py_BEGIN_ALLOW_THREADS hash_inner_nodes(tree, total, threads);
    Py_END_ALLOW_THREADS
    PyMem_Free(items);
    PyBuffer_Release(&leaves);
    return Py_BuildValue("(NN)", tree_obj, indices);
fail:
    PyMem_Free(items);
    Py_XDECREF(tree_obj);
    Py_XDECREF(indices);
    PyBuffer_Release(&leaves);
    return NULL;
}

typedef struct {
    const uint8_t *tree;
    Py_ssize_t base;
    volatile Py_ssize_t bad; /* smallest failing index seen, or -1 */
    pthread_mutex_t lock;
} check_ctx_t;

static void check_range(void *ctx, Py_ssize_t lo, Py_ssize_t hi) {
    check_ctx_t *c = (check_ctx_t *)ctx;
    uint8_t h[32];
    Py_ssize_t k = lo;
#ifdef HAVE_X8
    uint8_t h8[8 * 32];
    for (; k + 8 <= hi; k += 8) {
        inner_nodes_x8(c->tree, c->base + k, h8);
        if (memcmp(h8, c->tree + 32 * (c->base + k), sizeof h8) != 0) break; /* find it exactly below */
    }
#endif
    for (; k < hi; k++) {
        Py_ssize_t i = c->base + k;
        node_hash(c->tree + 32 * (2 * i + 1), c->tree + 32 * (2 * i + 2), h);
        if (memcmp(h, c->tree + 32 * i, 32) != 0) {
            pthread_mutex_lock(&c->lock);
            if (c->bad < 0 || i < c->bad) c->bad = i;
            pthread_mutex_unlock(&c->lock);
            return;
        }
    }
}

PyDoc_STRVAR(check_tree_doc,
             "check_tree(tree, threads=1) -> int\n\n"
             "Recomputes every inner node of a flat tree (32 bytes per node) from its children. Returns -1 when\n"
             "all match, else the smallest index of a node that does not.");

static PyObject *py_check_tree(PyObject *self, PyObject *args, PyObject *kw) {
    static char *kwlist[] = {"tree", "threads", NULL};
    Py_buffer tree;
    int threads = 1;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "y*|i", kwlist, &tree, &threads)) return NULL;
    if (tree.len % 32 != 0 || tree.len == 0 || (tree.len / 32) % 2 == 0) {
        PyBuffer_Release(&tree);
        PyErr_SetString(PyExc_ValueError, "a tree has an odd, non-zero number of 32-byte nodes");
        return NULL;
    }
    Py_ssize_t total = tree.len / 32, inner = (total - 1) / 2;
    check_ctx_t ctx = {tree.buf, 0, -1, PTHREAD_MUTEX_INITIALIZER};
    Py_BEGIN_ALLOW_THREADS parallel_for(check_range, &ctx, inner, threads);
    Py_END_ALLOW_THREADS
    PyBuffer_Release(&tree);
    return PyLong_FromSsize_t(ctx.bad);
}

/* ------------------------------------------------------------------------------------------ proofs */

static const char HEX[] = "0123456789abcdef";

static inline char *put_hex32(char *o, const uint8_t *h) {
    *o++ = '"';
    *o++ = '0';
    *o++ = 'x';
    for (int b = 0; b < 32; b++) {
        *o++ = HEX[h[b] >> 4];
        *o++ = HEX[h[b] & 15];
    }
    *o++ = '"';
    return o;
}

PyDoc_STRVAR(write_proofs_doc,
             "write_proofs(tree, tree_indices, fd) -> int\n\n"
             "Writes one JSON line per value, in value order: {\"i\":value index,\"treeIndex\":k,\"leaf\":hash,"
             "\"proof\":[siblings from the leaf up]}. Returns the number of bytes written to file descriptor fd.");

static int write_all(int fd, const char *p, size_t len) {
    while (len) {
        Py_ssize_t w;
        Py_BEGIN_ALLOW_THREADS w = write(fd, p, len);
        Py_END_ALLOW_THREADS
        if (w < 0) {
            PyErr_SetFromErrno(PyExc_OSError);
            return -1;
        }
        p += w;
        len -= (size_t)w;
    }
    return 0;
}

static PyObject *py_write_proofs(PyObject *self, PyObject *args) {
    Py_buffer tree;
    PyObject *idx_obj;
    int fd;
    if (!PyArg_ParseTuple(args, "y*Oi", &tree, &idx_obj, &fd)) return NULL;
    PyObject *idx = PySequence_Fast(idx_obj, "tree_indices must be a sequence");
    char *buf = NULL;
    long long written = 0;
    if (!idx) goto fail;
    Py_ssize_t total = tree.len / 32, n = PySequence_Fast_GET_SIZE(idx);
    const size_t cap = 8 << 20;
    buf = PyMem_Malloc(cap);
    if (!buf) {
        PyErr_NoMemory();
        goto fail;
    }
    char *o = buf;
    for (Py_ssize_t v = 0; v < n; v++) {
        Py_ssize_t k = PyLong_AsSsize_t(PySequence_Fast_GET_ITEM(idx, v));
        if (k == -1 && PyErr_Occurred()) goto fail;
        if (k < 0 || k >= total || 2 * k + 1 < total) {
            PyErr_Format(PyExc_ValueError, "value %zd: tree index %zd is not a leaf", v, k);
            goto fail;
        }
        /* a line is at most ~100 bytes of framing plus 68 per sibling and 64 siblings */
        if ((size_t)(o - buf) + 100 + 68 * 66 > cap) {
            if (write_all(fd, buf, o - buf) < 0) goto fail;
            written += o - buf;
            o = buf;
        }
        o += sprintf(o, "{\"i\":%zd,\"treeIndex\":%zd,\"leaf\":", v, k);
        o = put_hex32(o, (const uint8_t *)tree.buf + 32 * k);
        memcpy(o, ",\"proof\":[", 10);
        o += 10;
        int first = 1;
        while (k > 0) {
            Py_ssize_t s = (k % 2) ? k + 1 : k - 1;
            if (!first) *o++ = ',';
            first = 0;
            o = put_hex32(o, (const uint8_t *)tree.buf + 32 * s);
            k = (k - 1) / 2;
        }
        memcpy(o, "]}\n", 3);
        o += 3;
    }
    if (write_all(fd, buf, o - buf) < 0) goto fail;
    written += o - buf;
    PyMem_Free(buf);
    Py_DECREF(idx);
    PyBuffer_Release(&tree);
    return PyLong_FromLongLong(written);
fail:
    PyMem_Free(buf);
    Py_XDECREF(idx);
    PyBuffer_Release(&tree);
    return NULL;
}

typedef struct {
    const uint8_t *tree;
    const uint32_t *index; /* tree index of each value in the chunk */
    const size_t *offset;  /* byte offset of each value's record in buf */
    uint8_t *buf;
} proof_chunk_t;

static void fill_proof_range(void *ctx, Py_ssize_t lo, Py_ssize_t hi) {
    proof_chunk_t *c = (proof_chunk_t *)ctx;
    for (Py_ssize_t v = lo; v < hi; v++) {
        uint8_t *o = c->buf + c->offset[v];
        uint32_t k = c->index[v];
        uint8_t *depth = o + 4;
        for (int b = 0; b < 4; b++) o[b] = (uint8_t)(k >> (8 * b));
        o += 5;
        *depth = 0;
        while (k > 0) {
            uint32_t sib = (k % 2) ? k + 1 : k - 1;
            memcpy(o, c->tree + 32 * (size_t)sib, 32);
            o += 32;
            (*depth)++;
            k = (k - 1) / 2;
        }
    }
}

static int depth_of(uint32_t k) {
    int d = 0;
    while (k > 0) {
        k = (k - 1) / 2;
        d++;
    }
    return d;
}

PyDoc_STRVAR(write_proofs_bin_doc,
             "write_proofs_bin(tree, tree_indices, fd, threads=1) -> int\n\n"
             "Writes every proof in the compact binary form documented in docs/reserves/methodology.md:\n"
             "the header b'RATPRF1\\0', uint64 value count, uint64 node count (little-endian), then per value in\n"
             "value order: uint32 tree index, uint8 depth, depth sibling hashes of 32 bytes from the leaf up.\n"
             "Returns the number of bytes written to file descriptor fd.");

static PyObject *py_write_proofs_bin(PyObject *self, PyObject *args, PyObject *kw) {
    static char *kwlist[] = {"tree", "tree_indices", "fd", "threads", NULL};
    Py_buffer tree;
    PyObject *idx_obj;
    int fd, threads = 1;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "y*Oi|i", kwlist, &tree, &idx_obj, &fd, &threads)) return NULL;
    PyObject *idx = PySequence_Fast(idx_obj, "tree_indices must be a sequence");
    uint32_t *index = NULL;
    size_t *offset = NULL;
    uint8_t *buf = NULL;
    long long written = 0;
    if (!idx) goto fail;
    Py_ssize_t total = tree.len / 32, n = PySequence_Fast_GET_SIZE(idx);
    const Py_ssize_t chunk = CHUNK;
    index = PyMem_Malloc(chunk * sizeof(uint32_t));
    offset = PyMem_Malloc((chunk + 1) * sizeof(size_t));
    int max_depth = total > 0 ? depth_of((uint32_t)(total - 1)) : 0;
    buf = PyMem_Malloc((size_t)chunk * (5 + 32 * (size_t)max_depth) + 24);
    if (!index || !offset || !buf) {
        PyErr_NoMemory();
        goto fail;
    }
    memcpy(buf, "RATPRF1\0", 8);
    for (int b = 0; b < 8; b++) buf[8 + b] = (uint8_t)((uint64_t)n >> (8 * b));
    for (int b = 0; b < 8; b++) buf[16 + b] = (uint8_t)((uint64_t)total >> (8 * b));
    if (write_all(fd, (const char *)buf, 24) < 0) goto fail;
    written += 24;
    for (Py_ssize_t start = 0; start < n; start += chunk) {
        Py_ssize_t count = n - start < chunk ? n - start : chunk;
        size_t pos = 0;
        for (Py_ssize_t v = 0; v < count; v++) {
            Py_ssize_t k = PyLong_AsSsize_t(PySequence_Fast_GET_ITEM(idx, start + v));
            if (k == -1 && PyErr_Occurred()) goto fail;
            if (k < 0 || k >= total || 2 * k + 1 < total) {
                PyErr_Format(PyExc_ValueError, "value %zd: tree index %zd is not a leaf", start + v, k);
                goto fail;
            }
            index[v] = (uint32_t)k;
            offset[v] = pos;
            pos += 5 + 32 * (size_t)depth_of((uint32_t)k);
        }
        proof_chunk_t ctx = {tree.buf, index, offset, buf};
        Py_BEGIN_ALLOW_THREADS parallel_for(fill_proof_range, &ctx, count, threads);
        Py_END_ALLOW_THREADS
        if (write_all(fd, (const char *)buf, pos) < 0) goto fail;
        written += (long long)pos;
    }
    PyMem_Free(index);
    PyMem_Free(offset);
    PyMem_Free(buf);
    Py_DECREF(idx);
    PyBuffer_Release(&tree);
    return PyLong_FromLongLong(written);
fail:
    PyMem_Free(index);
    PyMem_Free(offset);
    PyMem_Free(buf);
    Py_XDECREF(idx);
    PyBuffer_Release(&tree);
    return NULL;
}

PyDoc_STRVAR(hex_list_doc,
             "hex_list(nodes) -> str\n\n"
             "The JSON array text [\"0x..\",...] of a buffer of 32-byte nodes, as JSON.stringify writes it.");

static PyObject *py_hex_list(PyObject *self, PyObject *args) {
    Py_buffer nodes;
    if (!PyArg_ParseTuple(args, "y*", &nodes)) return NULL;
    Py_ssize_t n = nodes.len / 32;
    Py_ssize_t size = 2 + n * 68 + (n ? n - 1 : 0);
    PyObject *s = PyUnicode_New(size, 127);
    if (!s) {
        PyBuffer_Release(&nodes);
        return NULL;
    }
    char *o = (char *)PyUnicode_DATA(s);
    *o++ = '[';
    for (Py_ssize_t i = 0; i < n; i++) {
        if (i) *o++ = ',';
        o = put_hex32(o, (const uint8_t *)nodes.buf + 32 * i);
    }
    *o++ = ']';
    PyBuffer_Release(&nodes);
    return s;
}

/* ------------------------------------------------------------------------------------------ dump values */

/* A growable byte buffer for the JSON text of a chunk of values. */
typedef struct {
    char *p;
    size_t len, cap;
} sbuf_t;

static int sb_reserve(sbuf_t *b, size_t more) {
    if (b->len + more <= b->cap) return 0;
    size_t cap = b->cap ? b->cap : 1 << 16;
    while (cap < b->len + more) cap *= 2;
    char *np = PyMem_Realloc(b->p, cap);
    if (!np) {
        PyErr_NoMemory();
        return -1;
    }
    b->p = np;
    b->cap = cap;
    return 0;
}

/* Appends the JSON text of a str exactly as json.dumps(ensure_ascii=False) writes it (and JSON.stringify):
 * quote, backslash and control characters escaped, everything else as UTF-8. */
static int sb_json_string(sbuf_t *b, const char *s, Py_ssize_t n) {
    if (sb_reserve(b, 2 + 6 * (size_t)n) < 0) return -1;
    char *o = b->p + b->len;
    *o++ = '"';
    for (Py_ssize_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x20 && c != '"' && c != '\\') {
            *o++ = (char)c;
            continue;
        }
        *o++ = '\\';
        switch (c) {
        case '"': *o++ = '"'; break;
        case '\\': *o++ = '\\'; break;
        case '\n': *o++ = 'n'; break;
        case '\r': *o++ = 'r'; break;
        case '\t': *o++ = 't'; break;
        case '\b': *o++ = 'b'; break;
        case '\f': *o++ = 'f'; break;
        default:
            *o++ = 'u';
            *o++ = '0';
            *o++ = '0';
            *o++ = HEX[c >> 4];
            *o++ = HEX[c & 15];
        }
    }
    *o++ = '"';
    b->len = o - b->p;
    return 0;
}

/* 1: the encoding is one the value writer and parser handle (string, bytesN, uintN); 0 otherwise. */
static int json_columns_supported(const abitype_t *types, Py_ssize_t m) {
    for (Py_ssize_t j = 0; j < m; j++)
        if (types[j].kind != K_STRING && types[j].kind != K_FIXED_BYTES && types[j].kind != K_UINT) return 0;
    return 1;
}

PyDoc_STRVAR(dump_values_doc,
             "dump_values(types, columns, tree_indices, start, stop, as_bytes=False) -> str | bytes | None\n\n"
             "The JSON text of values start..stop of a standard-v1 dump, {\"value\":[..],\"treeIndex\":k} joined\n"
             "by commas, byte for byte what json.dumps(separators=(',', ':'), ensure_ascii=False) writes. Only\n"
             "string, bytesN and uintN columns; None when the encoding or a value is anything else (the caller\n"
             "then takes the Python path). With as_bytes, the UTF-8 bytes of that text.");

static PyObject *py_dump_values(PyObject *self, PyObject *args) {
    PyObject *spec, *cols_obj, *idx_obj;
    Py_ssize_t start, stop;
    int as_bytes = 0;
    if (!PyArg_ParseTuple(args, "OOOnn|p", &spec, &cols_obj, &idx_obj, &start, &stop, &as_bytes)) return NULL;
    abitype_t *types = NULL;
    Py_ssize_t m;
    if (parse_types(spec, &types, &m) < 0) return NULL;
    PyObject *cols = NULL, *idx = NULL, *result = NULL;
    PyObject **colseq = PyMem_Calloc(m ? m : 1, sizeof(PyObject *));
    sbuf_t b = {NULL, 0, 0};
    if (!colseq) {
        PyErr_NoMemory();
        goto done;
    }
    if (!json_columns_supported(types, m)) {
        result = Py_NewRef(Py_None);
        goto done;
    }
    cols = PySequence_Fast(cols_obj, "columns must be a sequence");
    idx = cols ? PySequence_Fast(idx_obj, "tree_indices must be a sequence") : NULL;
    if (!idx) goto done;
    if (PySequence_Fast_GET_SIZE(cols) != m) {
        PyErr_SetString(PyExc_ValueError, "one column per type");
        goto done;
    }
    Py_ssize_t n = PySequence_Fast_GET_SIZE(idx);
    for (Py_ssize_t j = 0; j < m; j++) {
        colseq[j] = PySequence_Fast(PySequence_Fast_GET_ITEM(cols, j), "each column must be a sequence");
        if (!colseq[j]) goto done;
        if (PySequence_Fast_GET_SIZE(colseq[j]) != n) {
            PyErr_SetString(PyExc_ValueError, "every column needs one value per tree index");
            goto done;
        }
    }
    if (start < 0 || stop > n || start > stop) {
        PyErr_SetString(PyExc_IndexError, "start..stop out of range");
        goto done;
    }
    for (Py_ssize_t i = start; i < stop; i++) {
        if (sb_reserve(&b, 64) < 0) goto done;
        if (i > start) b.p[b.len++] = ',';
        memcpy(b.p + b.len, "{\"value\":[", 10);
        b.len += 10;
        for (Py_ssize_t j = 0; j < m; j++) {
            PyObject *v = PySequence_Fast_GET_ITEM(colseq[j], i);
            if (j && sb_reserve(&b, 1) == 0) b.p[b.len++] = ',';
            if (types[j].kind == K_STRING) {
                Py_ssize_t len;
                const char *s = PyUnicode_Check(v) ? PyUnicode_AsUTF8AndSize(v, &len) : NULL;
                if (!s) goto decline;
                if (sb_json_string(&b, s, len) < 0) goto done;
            } else if (types[j].kind == K_FIXED_BYTES) {
                if (!PyBytes_CheckExact(v) || PyBytes_GET_SIZE(v) != types[j].size) goto decline;
                if (sb_reserve(&b, 4 + 2 * (size_t)types[j].size) < 0) goto done;
                const uint8_t *h = (const uint8_t *)PyBytes_AS_STRING(v);
                char *o = b.p + b.len;
                *o++ = '"';
                *o++ = '0';
                *o++ = 'x';
                for (int k = 0; k < types[j].size; k++) {
                    *o++ = HEX[h[k] >> 4];
                    *o++ = HEX[h[k] & 15];
                }
                *o++ = '"';
                b.len = o - b.p;
            } else { /* K_UINT */
                if (!PyLong_CheckExact(v) || _PyLong_Sign(v) < 0) goto decline;
                int overflow;
                long long small = PyLong_AsLongLongAndOverflow(v, &overflow);
                if (sb_reserve(&b, 100) < 0) goto done;
                if (!overflow) {
                    b.len += sprintf(b.p + b.len, "\"%lld\"", small);
                } else {
                    PyObject *s = PyObject_Str(v);
                    if (!s) goto done;
                    Py_ssize_t len;
                    const char *t = PyUnicode_AsUTF8AndSize(s, &len);
                    if (!t || sb_reserve(&b, 2 + (size_t)len) < 0) {
                        Py_DECREF(s);
                        goto done;
                    }
                    b.p[b.len++] = '"';
                    memcpy(b.p + b.len, t, len);
                    b.len += len;
                    b.p[b.len++] = '"';
                    Py_DECREF(s);
                }
            }
        }
        Py_ssize_t k = PyLong_AsSsize_t(PySequence_Fast_GET_ITEM(idx, i));
        if (k == -1 && PyErr_Occurred()) goto done;
        if (sb_reserve(&b, 48) < 0) goto done;
        b.len += sprintf(b.p + b.len, "],\"treeIndex\":%zd}", k);
    }
    result = as_bytes ? PyBytes_FromStringAndSize(b.p ? b.p : "", (Py_ssize_t)b.len)
                      : PyUnicode_DecodeUTF8(b.p ? b.p : "", (Py_ssize_t)b.len, "strict");
    goto done;
decline:
    PyErr_Clear();
    result = Py_NewRef(Py_None);
done:
    if (colseq) {
        for (Py_ssize_t j = 0; j < m; j++) Py_XDECREF(colseq[j]);
        PyMem_Free(colseq);
    }
    Py_XDECREF(cols);
    Py_XDECREF(idx);
    PyMem_Free(types);
    PyMem_Free(b.p);
    return result;
}

/* ------------------------------------------------------------------------------------------ parse values */

/* hex digit values, -1 for anything else; lowercase only: the form the writer writes */
static signed char UNHEX[256];
static signed char UNHEX_ANY[256]; /* either case: ledger input, not our own output */

static void init_unhex(void) {
    memset(UNHEX, -1, sizeof UNHEX);
    for (int c = '0'; c <= '9'; c++) UNHEX[c] = (signed char)(c - '0');
    for (int c = 'a'; c <= 'f'; c++) UNHEX[c] = (signed char)(c - 'a' + 10);
    memcpy(UNHEX_ANY, UNHEX, sizeof UNHEX);
    for (int c = 'A'; c <= 'F'; c++) UNHEX_ANY[c] = (signed char)(c - 'A' + 10);
}

static inline int unhex(unsigned char c) { return UNHEX[c]; }

/* Reads the decimal integer at *pp as written by the dump writer (0 or no leading zero), at most `bits` bits.
 * Returns a new reference, NULL with no exception set when the text is not in that form. */
static PyObject *read_decimal(const char **pp, const char *end, int bits) {
    const char *p = *pp, *q = p;
    while (q < end && *q >= '0' && *q <= '9') q++;
    Py_ssize_t len = q - p;
    if (len == 0 || (len > 1 && *p == '0') || len > 80) return NULL;
    PyObject *v;
    if (len <= 18) {
        unsigned long long x = 0;
        for (const char *r = p; r < q; r++) x = x * 10 + (unsigned long long)(*r - '0');
        if (bits < 64 && x >> bits) return NULL;
        v = PyLong_FromUnsignedLongLong(x);
    } else {
        char tmp[96];
        memcpy(tmp, p, len);
        tmp[len] = 0;
        v = PyLong_FromString(tmp, NULL, 10);
        if (v && _PyLong_NumBits(v) > (size_t)bits) {
            Py_DECREF(v);
            return NULL;
        }
    }
    if (!v) {
        PyErr_Clear();
        return NULL;
    }
    *pp = q;
    return v;
}

PyDoc_STRVAR(parse_values_doc,
             "parse_values(dump, start, end, types) -> (columns, tree_indices) | None\n\n"
             "Reads dump[start:end], the values of a standard-v1 dump exactly as dump_values writes them, into\n"
             "typed columns (str, bytes, int) and tree indices, accounting for every byte. None when anything is\n"
             "not in that exact form (an escaped string, uppercase hex, a space, a leading zero, a value out of\n"
             "range, invalid UTF-8, an unsupported type): the caller then takes the general JSON path, which\n"
             "names the offending value.");

static PyObject *py_parse_values(PyObject *self, PyObject *args) {
    Py_buffer dump;
    Py_ssize_t start, end;
    PyObject *spec;
    if (!PyArg_ParseTuple(args, "y*nnO", &dump, &start, &end, &spec)) return NULL;
    abitype_t *types = NULL;
    Py_ssize_t m = 0;
    PyObject *cols = NULL, *indices = NULL, *result = NULL;
    PyObject **last = NULL; /* previous str or bytes of each column: repeated values (ISINs) share one object */
    if (parse_types(spec, &types, &m) < 0) {
        PyBuffer_Release(&dump);
        return NULL;
    }
    if (start < 0 || end > dump.len || start >= end || m == 0 || !json_columns_supported(types, m)) goto decline;
    cols = PyList_New(m);
    indices = PyList_New(0);
    last = PyMem_Calloc(m, sizeof(PyObject *));
    if (!cols || !indices || !last) {
        if (!PyErr_Occurred()) PyErr_NoMemory();
        goto fail;
    }
    for (Py_ssize_t j = 0; j < m; j++) {
        PyObject *c = PyList_New(0);
        if (!c) goto fail;
        PyList_SET_ITEM(cols, j, c);
    }
    const char *p = (const char *)dump.buf + start, *e = (const char *)dump.buf + end;
#define EXPECT(lit)                                                                                            \
    do {                                                                                                       \
        size_t l_ = sizeof(lit) - 1;                                                                           \
        if ((size_t)(e - p) < l_ || memcmp(p, lit, l_) != 0) goto decline;                                     \
        p += l_;                                                                                               \
    } while (0)
    for (;;) {
        EXPECT("{\"value\":[");
        for (Py_ssize_t j = 0; j < m; j++) {
            if (j) EXPECT(",");
            PyObject *v = NULL;
            if (types[j].kind == K_STRING) {
                EXPECT("\"");
                const char *q = p;
                while (q < e && *q != '"') {
                    unsigned char c = (unsigned char)*q;
                    if (c < 0x20 || c == '\\') goto decline; /* escapes: the general parser */
                    q++;
                }
                if (q >= e) goto decline;
                Py_ssize_t len = q - p;
                if (last[j] && PyUnicode_GET_LENGTH(last[j]) == len && PyUnicode_IS_ASCII(last[j]) &&
                    memcmp(PyUnicode_DATA(last[j]), p, len) == 0) {
                    v = Py_NewRef(last[j]);
                } else {
                    v = PyUnicode_DecodeUTF8(p, len, "strict");
                    if (!v) {
                        PyErr_Clear();
                        goto decline;
                    }
                    Py_XSETREF(last[j], Py_NewRef(v));
                }
                p = q + 1;
            } else if (types[j].kind == K_FIXED_BYTES) {
                EXPECT("\"0x");
                int size = types[j].size;
                if (e - p < 2 * size + 1 || p[2 * size] != '"') goto decline;
                uint8_t o[32];
                for (int k = 0; k < size; k++) {
                    int hi = unhex((unsigned char)p[2 * k]), lo = unhex((unsigned char)p[2 * k + 1]);
                    if (hi < 0 || lo < 0) goto decline;
                    o[k] = (uint8_t)(hi << 4 | lo);
                }
                /* repeated values (an account's hash on each of its lots) share one object, as strings do */
                if (last[j] && memcmp(PyBytes_AS_STRING(last[j]), o, size) == 0) {
                    v = Py_NewRef(last[j]);
                } else {
                    v = PyBytes_FromStringAndSize((const char *)o, size);
                    if (!v) goto fail;
                    Py_XSETREF(last[j], Py_NewRef(v));
                }
                p += 2 * size + 1;
            } else { /* K_UINT */
                EXPECT("\"");
                v = read_decimal(&p, e, types[j].size);
                if (!v) {
                    if (PyErr_Occurred()) goto fail;
                    goto decline;
                }
                if (p >= e || *p != '"') {
                    Py_DECREF(v);
                    goto decline;
                }
                p++;
            }
            int bad = PyList_Append(PyList_GET_ITEM(cols, j), v);
            Py_DECREF(v);
            if (bad) goto fail;
        }
        EXPECT("],\"treeIndex\":");
        PyObject *k = read_decimal(&p, e, 62);
        if (!k) {
            if (PyErr_Occurred()) goto fail;
            goto decline;
        }
        int bad = PyList_Append(indices, k);
        Py_DECREF(k);
        if (bad) goto fail;
        EXPECT("}");
        if (p == e) break;
        EXPECT(",");
    }
#undef EXPECT
    result = Py_BuildValue("(OO)", cols, indices);
    goto out;
decline:
    result = Py_NewRef(Py_None);
    goto out;
fail:
    result = NULL;
out:
    if (last) {
        for (Py_ssize_t j = 0; j < m; j++) Py_XDECREF(last[j]);
        PyMem_Free(last);
    }
    Py_XDECREF(cols);
    Py_XDECREF(indices);
    PyMem_Free(types);
    PyBuffer_Release(&dump);
    return result;
}

PyDoc_STRVAR(parse_hex_list_doc,
             "parse_hex_list(dump, start, end) -> bytes | None\n\n"
             "The 32-byte nodes of dump[start:end] written as hex_list writes them (\"0x..\" joined by commas,\n"
             "lowercase, no brackets), or None when the text is in any other form.");

static PyObject *py_parse_hex_list(PyObject *self, PyObject *args) {
    Py_buffer dump;
    Py_ssize_t start, end;
    if (!PyArg_ParseTuple(args, "y*nn", &dump, &start, &end)) return NULL;
    Py_ssize_t len = end - start;
    if (start < 0 || end > dump.len || len <= 0 || (len + 1) % 69 != 0) {
        PyBuffer_Release(&dump);
        Py_RETURN_NONE;
    }
    Py_ssize_t n = (len + 1) / 69;
    PyObject *out = PyBytes_FromStringAndSize(NULL, 32 * n);
    if (!out) {
        PyBuffer_Release(&dump);
        return NULL;
    }
    const unsigned char *p = (const unsigned char *)dump.buf + start;
    uint8_t *o = (uint8_t *)PyBytes_AS_STRING(out);
    int ok = 1;
    Py_BEGIN_ALLOW_THREADS for (Py_ssize_t i = 0; i < n && ok; i++) {
        const unsigned char *q = p + 69 * i;
        if (q[0] != '"' || q[1] != '0' || q[2] != 'x' || q[67] != '"' || (i + 1 < n && q[68] != ',')) {
            ok = 0;
            break;
        }
        for (int k = 0; k < 32; k++) {
            int hi = unhex(q[3 + 2 * k]), lo = unhex(q[4 + 2 * k]);
            if (hi < 0 || lo < 0) {
                ok = 0;
                break;
            }
            o[32 * i + k] = (uint8_t)(hi << 4 | lo);
        }
    }
    Py_END_ALLOW_THREADS PyBuffer_Release(&dump);
    if (!ok) {
        Py_DECREF(out);
        Py_RETURN_NONE;
    }
    return out;
}

/* ------------------------------------------------------------------------------------------ ledger CSV */

PyDoc_STRVAR(csv_columns_doc,
             "csv_columns(data, ncols) -> list[list[str]] | None\n\n"
             "The fields of plain CSV lines (each ending in \\n, no quoting) as ncols columns of str. None when\n"
             "any line is empty or has another number of fields, or the text holds a quote, a carriage return\n"
             "or invalid UTF-8: the caller then reads the file row by row and names the offending line.");

static PyObject *py_csv_columns(PyObject *self, PyObject *args) {
    Py_buffer data;
    Py_ssize_t m;
    if (!PyArg_ParseTuple(args, "y*n", &data, &m)) return NULL;
    PyObject *cols = NULL, *result = NULL;
    PyObject **last = NULL;
    const char *p = data.buf, *e = p + data.len;
    if (m <= 0 || data.len == 0 || e[-1] != '\n' || memchr(p, '"', data.len) || memchr(p, '\r', data.len))
        goto decline;
    cols = PyList_New(m);
    last = PyMem_Calloc(m, sizeof(PyObject *));
    if (!cols || !last) {
        if (!PyErr_Occurred()) PyErr_NoMemory();
        goto fail;
    }
    for (Py_ssize_t j = 0; j < m; j++) {
        PyObject *c = PyList_New(0);
        if (!c) goto fail;
        PyList_SET_ITEM(cols, j, c);
    }
    while (p < e) {
        const char *eol = memchr(p, '\n', e - p);
        if (eol == p) goto decline; /* an empty line */
        for (Py_ssize_t j = 0; j < m; j++) {
            const char *q = j + 1 < m ? memchr(p, ',', eol - p) : eol;
            if (!q) goto decline; /* too few fields */
            if (j + 1 == m && memchr(p, ',', eol - p)) goto decline; /* too many */
            Py_ssize_t len = q - p;
            PyObject *v;
            /* ISINs, dates, kinds and accounts repeat line after line: one object per run of equal values */
            if (last[j] && PyUnicode_IS_ASCII(last[j]) && PyUnicode_GET_LENGTH(last[j]) == len &&
                memcmp(PyUnicode_DATA(last[j]), p, len) == 0) {
                v = Py_NewRef(last[j]);
            } else {
                v = PyUnicode_DecodeUTF8(p, len, "strict");
                if (!v) {
                    PyErr_Clear();
                    goto decline;
                }
                Py_XSETREF(last[j], Py_NewRef(v));
            }
            int bad = PyList_Append(PyList_GET_ITEM(cols, j), v);
            Py_DECREF(v);
            if (bad) goto fail;
            p = q + 1;
        }
    }
    result = Py_NewRef(cols);
    goto out;
decline:
    result = Py_NewRef(Py_None);
    goto out;
fail:
    result = NULL;
out:
    if (last) {
        for (Py_ssize_t j = 0; j < m; j++) Py_XDECREF(last[j]);
        PyMem_Free(last);
    }
    Py_XDECREF(cols);
    PyBuffer_Release(&data);
    return result;
}

PyDoc_STRVAR(units_column_doc,
             "units_column(quantities, decimals) -> list[int] | None\n\n"
             "Each decimal quantity ([0-9]+ optionally followed by . and 1..decimals digits) times 10**decimals.\n"
             "None when any text is in another form, or a result is 0 or at least 2**128.");

static PyObject *py_units_column(PyObject *self, PyObject *args) {
    PyObject *col_obj;
    int decimals;
    if (!PyArg_ParseTuple(args, "Oi", &col_obj, &decimals)) return NULL;
    if (decimals < 0 || decimals > 30) {
        PyErr_SetString(PyExc_ValueError, "decimals out of range");
        return NULL;
    }
    PyObject *col = PySequence_Fast(col_obj, "quantities must be a sequence");
    if (!col) return NULL;
    Py_ssize_t n = PySequence_Fast_GET_SIZE(col);
    PyObject *out = PyList_New(n);
    if (!out) {
        Py_DECREF(col);
        return NULL;
    }
    typedef unsigned __int128 u128;
    u128 scale = 1;
    for (int d = 0; d < decimals; d++) scale *= 10;
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *s = PySequence_Fast_GET_ITEM(col, i);
        if (!PyUnicode_Check(s) || !PyUnicode_IS_ASCII(s)) goto decline;
        const char *p = (const char *)PyUnicode_DATA(s), *e = p + PyUnicode_GET_LENGTH(s);
        const char *dot = memchr(p, '.', e - p);
        const char *we = dot ? dot : e;
        if (we == p) goto decline;
        u128 whole = 0, frac = 0;
        for (const char *q = p; q < we; q++) {
            if (*q < '0' || *q > '9') goto decline;
            if (whole > ((u128)-1) / 10 / scale) goto decline; /* at least 2**128 units */
            whole = whole * 10 + (u128)(*q - '0');
        }
        if (dot) {
            Py_ssize_t fl = e - dot - 1;
            if (fl < 1 || fl > decimals) goto decline;
            for (const char *q = dot + 1; q < e; q++) {
                if (*q < '0' || *q > '9') goto decline;
                frac = frac * 10 + (u128)(*q - '0');
            }
            for (Py_ssize_t d = fl; d < decimals; d++) frac *= 10;
        }
        if (whole > ((u128)-1) / scale) goto decline;
        u128 units = whole * scale;
        if (units + frac < units) goto decline;
        units += frac;
        if (units == 0) goto decline; /* (u128)-1 is 2**128 - 1: every u128 is below 2**128 */
        uint64_t hi = (uint64_t)(units >> 64), lo = (uint64_t)units;
        PyObject *v;
        if (!hi) {
            v = PyLong_FromUnsignedLongLong(lo);
        } else {
            uint8_t b[16];
            for (int k = 0; k < 8; k++) {
                b[k] = (uint8_t)(lo >> (8 * k));
                b[8 + k] = (uint8_t)(hi >> (8 * k));
            }
            v = _PyLong_FromByteArray(b, 16, 1, 0);
        }
        if (!v) {
            Py_DECREF(out);
            Py_DECREF(col);
            return NULL;
        }
        PyList_SET_ITEM(out, i, v);
    }
    Py_DECREF(col);
    return out;
decline:
    Py_DECREF(out);
    Py_DECREF(col);
    Py_RETURN_NONE;
}

PyDoc_STRVAR(check_leaves_doc,
             "check_leaves(tree, tree_indices, leaf_hashes) -> (problem, value)\n\n"
             "One pass over the values of a tree: problem 0 when each tree index is a leaf index, no two values\n"
             "share one, and each value's leaf hash is the node at its index; otherwise the first value (in value\n"
             "order) that breaks a rule and the rule: 1 not a leaf index, 2 an index already used, 3 not its leaf.");

static PyObject *py_check_leaves(PyObject *self, PyObject *args) {
    Py_buffer tree, hashes;
    PyObject *idx_obj;
    if (!PyArg_ParseTuple(args, "y*Oy*", &tree, &idx_obj, &hashes)) return NULL;
    PyObject *idx = PySequence_Fast(idx_obj, "tree_indices must be a sequence");
    uint8_t *seen = NULL;
    PyObject *result = NULL;
    if (!idx) goto out;
    Py_ssize_t total = tree.len / 32, n = PySequence_Fast_GET_SIZE(idx);
    if (hashes.len != 32 * n) {
        PyErr_SetString(PyExc_ValueError, "one 32-byte leaf hash per value");
        goto out;
    }
    seen = PyMem_Calloc(total ? total : 1, 1);
    if (!seen) {
        PyErr_NoMemory();
        goto out;
    }
    int problem = 0;
    Py_ssize_t v = 0;
    for (; v < n; v++) {
        PyObject *o = PySequence_Fast_GET_ITEM(idx, v);
        int overflow = 0;
        long long k = PyLong_Check(o) ? PyLong_AsLongLongAndOverflow(o, &overflow) : -1;
        if (k == -1 && PyErr_Occurred()) goto out;
        if (overflow || k < 0 || k >= total || 2 * k + 1 < total) {
            problem = 1;
            break;
        }
        if (seen[k]) {
            problem = 2;
            break;
        }
        seen[k] = 1;
        if (memcmp((const uint8_t *)tree.buf + 32 * k, (const uint8_t *)hashes.buf + 32 * v, 32) != 0) {
            problem = 3;
            break;
        }
    }
    result = Py_BuildValue("(in)", problem, problem ? v : (Py_ssize_t)-1);
out:
    PyMem_Free(seen);
    Py_XDECREF(idx);
    PyBuffer_Release(&tree);
    PyBuffer_Release(&hashes);
    return result;
}

PyDoc_STRVAR(hex32_column_doc,
             "hex32_column(texts) -> list[bytes] | None\n\n"
             "Each text, 0x followed by exactly 64 hex digits (either case), as 32 bytes. None when any text is in\n"
             "another form.");

static PyObject *py_hex32_column(PyObject *self, PyObject *args) {
    PyObject *col_obj;
    if (!PyArg_ParseTuple(args, "O", &col_obj)) return NULL;
    PyObject *col = PySequence_Fast(col_obj, "texts must be a sequence");
    if (!col) return NULL;
    Py_ssize_t n = PySequence_Fast_GET_SIZE(col);
    PyObject *out = PyList_New(n);
    if (!out) {
        Py_DECREF(col);
        return NULL;
    }
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *s = PySequence_Fast_GET_ITEM(col, i);
        if (!PyUnicode_Check(s) || !PyUnicode_IS_ASCII(s) || PyUnicode_GET_LENGTH(s) != 66) goto decline;
        const unsigned char *p = PyUnicode_DATA(s);
        if (p[0] != '0' || p[1] != 'x') goto decline;
        uint8_t o[32];
        for (int k = 0; k < 32; k++) {
            int hi = UNHEX_ANY[p[2 + 2 * k]], lo = UNHEX_ANY[p[3 + 2 * k]];
            if (hi < 0 || lo < 0) goto decline;
            o[k] = (uint8_t)(hi << 4 | lo);
        }
        PyObject *v = PyBytes_FromStringAndSize((const char *)o, 32);
        if (!v) {
            Py_DECREF(out);
            Py_DECREF(col);
            return NULL;
        }
        PyList_SET_ITEM(out, i, v);
    }
    Py_DECREF(col);
    return out;
decline:
    Py_DECREF(out);
    Py_DECREF(col);
    Py_RETURN_NONE;
}

PyDoc_STRVAR(keccak256_doc, "keccak256(data) -> bytes\n\nEthereum's Keccak-256 (original padding).");

static PyObject *py_keccak256(PyObject *self, PyObject *args) {
    Py_buffer data;
    if (!PyArg_ParseTuple(args, "y*", &data)) return NULL;
    uint8_t out[32];
    if (data.len < (1 << 16)) {
        keccak256(data.buf, (size_t)data.len, out); /* releasing the GIL costs more than hashing this */
    } else {
        Py_BEGIN_ALLOW_THREADS keccak256(data.buf, (size_t)data.len, out);
        Py_END_ALLOW_THREADS
    }
    PyBuffer_Release(&data);
    return PyBytes_FromStringAndSize((const char *)out, 32);
}

static PyMethodDef methods[] = {
    {"keccak256", py_keccak256, METH_VARARGS, keccak256_doc},
    {"leaf_hashes", (PyCFunction)(void (*)(void))py_leaf_hashes, METH_VARARGS | METH_KEYWORDS, leaf_hashes_doc},
    {"build", (PyCFunction)(void (*)(void))py_build, METH_VARARGS | METH_KEYWORDS, build_doc},
    {"check_tree", (PyCFunction)(void (*)(void))py_check_tree, METH_VARARGS | METH_KEYWORDS, check_tree_doc},
    {"write_proofs", py_write_proofs, METH_VARARGS, write_proofs_doc},
    {"write_proofs_bin", (PyCFunction)(void (*)(void))py_write_proofs_bin, METH_VARARGS | METH_KEYWORDS,
     write_proofs_bin_doc},
    {"hex_list", py_hex_list, METH_VARARGS, hex_list_doc},
    {"dump_values", py_dump_values, METH_VARARGS, dump_values_doc},
    {"parse_values", py_parse_values, METH_VARARGS, parse_values_doc},
    {"parse_hex_list", py_parse_hex_list, METH_VARARGS, parse_hex_list_doc},
    {"csv_columns", py_csv_columns, METH_VARARGS, csv_columns_doc},
    {"check_leaves", py_check_leaves, METH_VARARGS, check_leaves_doc},
    {"units_column", py_units_column, METH_VARARGS, units_column_doc},
    {"hex32_column", py_hex32_column, METH_VARARGS, hex32_column_doc},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_merkle",
    "C kernels for reserves.merkle: Keccak-256, StandardMerkleTree leaf hashing, layout, proofs.", -1, methods,
};

PyMODINIT_FUNC PyInit__merkle(void) {
    init_unhex();
    PyObject *m = PyModule_Create(&module);
    if (!m) return NULL;
    if (PyModule_AddIntConstant(m, "UINT", K_UINT) < 0 || PyModule_AddIntConstant(m, "ADDRESS", K_ADDRESS) < 0 ||
        PyModule_AddIntConstant(m, "FIXED_BYTES", K_FIXED_BYTES) < 0 ||
        PyModule_AddIntConstant(m, "BOOL", K_BOOL) < 0 || PyModule_AddIntConstant(m, "STRING", K_STRING) < 0 ||
        PyModule_AddIntConstant(m, "BYTES", K_BYTES) < 0) {
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
