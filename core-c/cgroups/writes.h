/* Shared by the files that turn one controller's settings into writes. */
#ifndef KAGO_CGROUPS_WRITES_H
#define KAGO_CGROUPS_WRITES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../common/arena.h"
#include "../common/problems.h"
#include "../json/json.h"
#include "cgroups.h"

struct kcg_names {
  const char **items;
  size_t count;
};

struct kcg_host {
  struct kcg_names v1;
  struct kcg_names v2;
  bool has_v2;
  struct kcg_names hugepage_sizes;
  bool swap_accounting;
  bool kmem_tcp; /* v1 memory.kmem.tcp.limit_in_bytes exists */
  bool bfq;
  bool skip_devices;
};

struct kcg_write {
  int version;
  const char *controller, *file, *value, *pointer;
  struct kcg_write *next;
};

struct kcg_ctx {
  struct kago_arena *a;
  struct kago_problems *problems;
  const struct kcg_host *host;
  struct kcg_write *first, *last;
  bool check_before_update;
};

/* The hierarchy a controller is used on: 1, 2, or 0 when the host has it on
 * neither. A controller bound to v1 stays there on a hybrid host, as runc
 * does. */
int kcg_version_of(const struct kcg_host *h, const char *controller);
/* Like kcg_version_of, but reports an error at pointer when it is 0. */
int kcg_require(struct kcg_ctx *c, const char *controller, const char *pointer);

void kcg_emit(struct kcg_ctx *c, int version, const char *controller, const char *file, const char *pointer,
              const char *fmt, ...) __attribute__((format(printf, 6, 7)));
void kcg_error(struct kcg_ctx *c, const char *pointer, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void kcg_warning(struct kcg_ctx *c, const char *pointer, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Member key of obj as an integer / boolean / string. false when absent
 * (and silently so) or of the wrong type (then an error is reported). ptr
 * receives the member's pointer. */
bool kcg_get_i64(struct kcg_ctx *c, const struct kj_value *obj, const char *base, const char *key, int64_t *out,
                 const char **ptr);
bool kcg_get_bool(struct kcg_ctx *c, const struct kj_value *obj, const char *base, const char *key, bool *out,
                  const char **ptr);
bool kcg_get_string(struct kcg_ctx *c, const struct kj_value *obj, const char *base, const char *key, const char **out,
                    const char **ptr);
/* Member key of obj if it is an object / array; errors for another type. */
const struct kj_value *kcg_get_object(struct kcg_ctx *c, const struct kj_value *obj, const char *base, const char *key,
                                      const char **ptr);
const struct kj_value *kcg_get_array(struct kcg_ctx *c, const struct kj_value *obj, const char *base, const char *key,
                                     const char **ptr);

void kcg_memory(struct kcg_ctx *c, const struct kj_value *memory, const char *ptr);
void kcg_cpu(struct kcg_ctx *c, const struct kj_value *cpu, const char *ptr);
void kcg_block_io(struct kcg_ctx *c, const struct kj_value *bio, const char *ptr);
void kcg_pids(struct kcg_ctx *c, const struct kj_value *pids, const char *ptr);
void kcg_hugetlb(struct kcg_ctx *c, const struct kj_value *limits, const char *ptr);
void kcg_network(struct kcg_ctx *c, const struct kj_value *net, const char *ptr);
void kcg_rdma(struct kcg_ctx *c, const struct kj_value *rdma, const char *ptr);
void kcg_unified(struct kcg_ctx *c, const struct kj_value *unified, const char *ptr);

/* --- devices ---------------------------------------------------------------- */

enum { KCG_ACC_MKNOD = 1, KCG_ACC_READ = 2, KCG_ACC_WRITE = 4, KCG_ACC_ALL = 7 };

struct kcg_device_rule {
  bool allow;
  char type; /* 'c' or 'b' ('a' is expanded into both) */
  int64_t major; /* -1: any */
  int64_t minor; /* -1: any */
  unsigned access;
  const char *pointer; /* where the rule came from; "" for the built-in list */
};

struct kcg_device_rules {
  bool default_allow;
  struct kcg_device_rule *items;
  size_t count;
  size_t standard; /* items[0..standard) are the devices every container needs */
};

/* The effective rule list: default deny, the devices every container needs,
 * then the rules of resources.devices in order (the last rule that matches a
 * device and an access decides). rules may be NULL. */
void kcg_device_rules(struct kcg_ctx *c, const struct kj_value *rules, struct kcg_device_rules *out);
void kcg_devices_v1(struct kcg_ctx *c, const struct kcg_device_rules *rules);
void kcg_device_bpf(struct kago_arena *a, const struct kcg_device_rules *rules, struct kcg_bpf_program *out);

#endif
