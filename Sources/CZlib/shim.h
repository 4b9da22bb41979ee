#ifndef SOCCERSTREAM_CZLIB_SHIM_H
#define SOCCERSTREAM_CZLIB_SHIM_H

#include <zlib.h>

/* deflateInit2 and inflateInit2 are C macros that Swift cannot import;
   these inline wrappers expose them as ordinary functions. */
static inline int czlib_deflateInit2(z_streamp strm, int level, int method,
                                     int windowBits, int memLevel, int strategy) {
    return deflateInit2(strm, level, method, windowBits, memLevel, strategy);
}

static inline int czlib_inflateInit2(z_streamp strm, int windowBits) {
    return inflateInit2(strm, windowBits);
}

#endif
