/*
 * compiler.h - attributes shared by every module: results that must be
 * checked, printf-style format checking, and a portable "unused" marker.
 */
#ifndef TLSREADY_COMPILER_H
#define TLSREADY_COMPILER_H

#if defined(__GNUC__) || defined(__clang__)
#define MUST_CHECK __attribute__((warn_unused_result))
#define PRINTFLIKE(f, a) __attribute__((format(printf, f, a)))
#define UNUSED __attribute__((unused))
#else
#define MUST_CHECK
#define PRINTFLIKE(f, a)
#define UNUSED
#endif

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

#endif /* TLSREADY_COMPILER_H */
