/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * stream.c - copies meant for another core (node.h): streaming
 * (non-temporal) stores on x86-64, a plain memcpy elsewhere.
 *
 * Why: on this machine a line another core reads straight out of the
 * writer's cache costs ~30 ns, 8x a read from memory (1 MiB broadcast
 * through shared memory: 440 us with ordinary stores, 54 us with
 * streaming ones), and a store to memory that is not in the cache reads
 * the line first unless it streams.
 */
#include <stdint.h>
#include <string.h>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "../core/ctx.h"
#include "node.h"

void floc_node_stream_copy(void *dst, const void *src, size_t n)
{
#if defined(__SSE2__)
    unsigned char *d = dst;
    const unsigned char *s = src;
    if (n >= 256) {
        size_t head = (16 - ((uintptr_t)d & 15)) & 15;
        memcpy(d, s, head);
        d += head, s += head, n -= head;
        for (; n >= 64; n -= 64, d += 64, s += 64) {
            __m128i a = _mm_loadu_si128((const __m128i *)s);
            __m128i b = _mm_loadu_si128((const __m128i *)(s + 16));
            __m128i e = _mm_loadu_si128((const __m128i *)(s + 32));
            __m128i f = _mm_loadu_si128((const __m128i *)(s + 48));
            _mm_stream_si128((__m128i *)d, a);
            _mm_stream_si128((__m128i *)(d + 16), b);
            _mm_stream_si128((__m128i *)(d + 32), e);
            _mm_stream_si128((__m128i *)(d + 48), f);
        }
    }
    memcpy(d, s, n);
#else
    memcpy(dst, src, n);
#endif
}

void floc_node_stream_fence(void)
{
#if defined(__SSE2__)
    _mm_sfence();
#endif
}

