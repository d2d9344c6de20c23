/*
 * kmemlab/kmemlab.h: everything libkmemlab offers, in one include.
 */
#ifndef KMEMLAB_KMEMLAB_H
#define KMEMLAB_KMEMLAB_H

#include <kmemlab/env.h>
#include <kmemlab/cost.h>
#include <kmemlab/stat.h>
#include <kmemlab/vmem.h>

#ifdef __cplusplus
extern "C" {
#endif

/* kml_version: the library's version string, "0.1.0". */
const char *kml_version(void);

#ifdef __cplusplus
}
#endif

#endif /* KMEMLAB_KMEMLAB_H */
