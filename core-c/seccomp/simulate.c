/* A classic BPF interpreter over struct seccomp_data, with the checks the
 * kernel's seccomp_check_filter applies to loads (aligned 32-bit words inside
 * the 64-byte struct). It counts executed instructions so that filters can be
 * compared by cost, not only by verdict. */
#include "seccomp.h"

#include <string.h>

#define CLS(c) ((c)&0x07)
#define CLS_LD 0x00
#define CLS_LDX 0x01
#define CLS_ST 0x02
#define CLS_STX 0x03
#define CLS_ALU 0x04
#define CLS_JMP 0x05
#define CLS_RET 0x06
#define CLS_MISC 0x07
#define SRC_X 0x08

/* The word at byte offset off of the seccomp_data the kernel fills for arch:
 * u64 fields are stored in the ABI's byte order, so their low word comes
 * first on little-endian ABIs and second on big-endian ones. */
static bool data_word(const struct ksc_arch *arch, uint32_t nr, const uint64_t args[6], uint32_t off, uint32_t *out) {
  if (off % 4 != 0 || off >= 64) return false;
  if (off == 0)
    *out = nr;
  else if (off == 4)
    *out = arch->audit_arch;
  else if (off < 16)
    *out = 0; /* instruction_pointer: not modelled */
  else {
    uint64_t v = args[(off - 16) / 8];
    bool first = (off - 16) % 8 == 0;
    bool low = arch->big_endian ? !first : first;
    *out = low ? (uint32_t)v : (uint32_t)(v >> 32);
  }
  return true;
}

static void fail(struct ksc_verdict *v, const char *why) {
  v->valid = false;
  v->error = why;
  v->ret = KSC_RET_KILL_PROCESS;
}

void ksc_simulate(const struct ksc_insn *insns, size_t len, const struct ksc_arch *arch, uint32_t nr,
                  const uint64_t args[6], struct ksc_verdict *v) {
  memset(v, 0, sizeof *v);
  v->valid = true;
  uint32_t A = 0, X = 0, M[16] = {0};
  size_t pc = 0;
  /* Forward-only jumps bound the run by len; the guard is for malformed input. */
  while (v->executed <= len) {
    if (pc >= len) return fail(v, "ran past the end of the program");
    const struct ksc_insn *in = &insns[pc];
    if (v->path_len < sizeof v->path / sizeof v->path[0]) v->path[v->path_len++] = (uint16_t)pc;
    v->executed++;
    uint16_t c = in->code;
    uint32_t src = (c & SRC_X) ? X : in->k;
    switch (CLS(c)) {
    case CLS_LD:
      if (c == 0x20) { /* BPF_LD|BPF_W|BPF_ABS */
        if (!data_word(arch, nr, args, in->k, &A)) return fail(v, "load outside seccomp_data");
      } else if (c == 0x80)
        A = 64; /* BPF_LD|BPF_W|BPF_LEN */
      else if (c == 0x00)
        A = in->k; /* BPF_LD|BPF_IMM */
      else if (c == 0x60) { /* BPF_LD|BPF_MEM */
        if (in->k >= 16) return fail(v, "bad scratch slot");
        A = M[in->k];
      } else
        return fail(v, "unsupported load");
      pc++;
      break;
    case CLS_LDX:
      if (c == 0x01)
        X = in->k;
      else if (c == 0x81)
        X = 64;
      else if (c == 0x61) {
        if (in->k >= 16) return fail(v, "bad scratch slot");
        X = M[in->k];
      } else
        return fail(v, "unsupported load");
      pc++;
      break;
    case CLS_ST:
    case CLS_STX:
      if (in->k >= 16) return fail(v, "bad scratch slot");
      M[in->k] = CLS(c) == CLS_ST ? A : X;
      pc++;
      break;
    case CLS_ALU:
      switch (c & 0xf0) {
      case 0x00: A += src; break;
      case 0x10: A -= src; break;
      case 0x20: A *= src; break;
      case 0x30:
        if (src == 0) return fail(v, "division by zero");
        A /= src;
        break;
      case 0x40: A |= src; break;
      case 0x50: A &= src; break;
      case 0x60: A = src >= 32 ? 0 : A << src; break;
      case 0x70: A = src >= 32 ? 0 : A >> src; break;
      case 0x80: A = (uint32_t)-A; break;
      case 0x90:
        if (src == 0) return fail(v, "division by zero");
        A %= src;
        break;
      case 0xa0: A ^= src; break;
      default: return fail(v, "unsupported ALU operation");
      }
      pc++;
      break;
    case CLS_JMP: {
      if ((c & 0xf0) == 0x00) { /* BPF_JA */
        if ((size_t)in->k >= len - pc - 1) return fail(v, "jump out of range");
        pc += 1 + (size_t)in->k;
        break;
      }
      bool t;
      switch (c & 0xf0) {
      case 0x10: t = A == src; break;
      case 0x20: t = A > src; break;
      case 0x30: t = A >= src; break;
      case 0x40: t = (A & src) != 0; break;
      default: return fail(v, "unsupported jump");
      }
      pc += 1 + (size_t)(t ? in->jt : in->jf);
      break;
    }
    case CLS_RET:
      if ((c & 0x18) == 0x00)
        v->ret = in->k; /* BPF_K */
      else if ((c & 0x18) == 0x10)
        v->ret = A; /* BPF_A */
      else
        return fail(v, "unsupported return");
      return;
    default: /* CLS_MISC */
      if (c == 0x07)
        X = A; /* BPF_TAX */
      else if (c == 0x87)
        A = X; /* BPF_TXA */
      else
        return fail(v, "unsupported instruction");
      pc++;
      break;
    }
  }
  fail(v, "did not terminate");
}

const char *ksc_action_name(uint32_t ret) {
  switch (ret & KSC_RET_ACTION_FULL) {
  case KSC_RET_KILL_PROCESS: return "SCMP_ACT_KILL_PROCESS";
  case KSC_RET_KILL_THREAD: return "SCMP_ACT_KILL_THREAD";
  case KSC_RET_TRAP: return "SCMP_ACT_TRAP";
  case KSC_RET_ERRNO: return "SCMP_ACT_ERRNO";
  case KSC_RET_USER_NOTIF: return "SCMP_ACT_NOTIFY";
  case KSC_RET_TRACE: return "SCMP_ACT_TRACE";
  case KSC_RET_LOG: return "SCMP_ACT_LOG";
  case KSC_RET_ALLOW: return "SCMP_ACT_ALLOW";
  default: return "unknown";
  }
}
