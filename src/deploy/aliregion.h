/*
 * deploy/aliregion — the Alibaba Cloud region ids a regional target may
 * name, so a typo is refused before any call (the endpoint follows the
 * region: a wrong one would be a DNS failure or, worse, another region's
 * resources). For the target files of src/deploy/ only.
 */
#ifndef CP_DEPLOY_ALIREGION_H
#define CP_DEPLOY_ALIREGION_H

#include "util/err.h"

/*
 * Is region a public Alibaba Cloud region id? CP_EUSAGE "<what>: region
 * \"x\" does not exist (did you mean \"y\"?)", the suggestion the nearest
 * known id (at most 3 edits away), or "(a region id such as cn-hangzhou or
 * ap-southeast-1)" when none is near.
 */
int ali_region_check(const char *what, const char *region, struct err *err) CP_WUR;

#endif
