/* Docker's seccomp profile format -> the OCI linux.seccomp object, the way
 * Docker (moby/profiles, seccomp_linux.go) generates a container's profile:
 * archMap expanded for the container's architecture, syscall entries kept or
 * dropped by their includes/excludes (capabilities, architecture, minimum
 * kernel), Docker-only fields removed. Facts about the host (architecture,
 * kernel) and the container (capabilities) come in as options: the core
 * never asks the system. */
#ifndef KSC_DOCKER_H
#define KSC_DOCKER_H

#include "../common/arena.h"
#include "../common/problems.h"
#include "../json/json.h"
#include <stdbool.h>
#include <stddef.h>

/* profile is the parsed Docker profile, options the parsed
 * {"arch": "amd64", "capabilities": ["CAP_..."], "kernel": "6.18"}.
 * Problems about the profile have pointers into it; problems about the
 * options have pointers under "/options". Sets *disabled and returns NULL
 * when the profile turns seccomp off (no defaultAction and no syscalls, as
 * Docker decides); returns NULL without *disabled on errors. */
struct kj_value *ksc_docker_to_oci(struct kago_arena *a, const struct kj_value *profile, const struct kj_value *options,
                                   struct kago_problems *problems, bool *disabled);

#endif
