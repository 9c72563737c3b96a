/* ociVersion: config.md says it "MUST be in SemVer v2.0.0 format and
 * specifies the version of the Open Container Initiative Runtime
 * Specification with which the bundle complies". kago implements 1.3.0, and
 * the spec keeps compatibility within a major version, so 1.0.0 to 1.3.x
 * (with any pre-release or build suffix) are accepted.
 *
 * A pre-release of another version ("0.5.0-dev", "1.4.0-rc.1") is a
 * development snapshot of the spec: the runtime-spec's own example config
 * carries "0.5.0-dev" to this day. Such a document is validated as 1.3.0 with a
 * warning instead of being refused; a released version outside the range
 * (0.9.0, 1.4.0, 2.0.0) is an error. */
#include <string.h>

#include "shape.h"

struct semver {
  uint64_t major, minor, patch;
  bool prerelease;
};

static bool is_ident_char(char ch) {
  return (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || ch == '-';
}

/* NULL when s is valid SemVer 2.0.0, else the reason. */
static const char *parse_semver(const char *s, size_t len, struct semver *out) {
  size_t i = 0;
  uint64_t *parts[3] = {&out->major, &out->minor, &out->patch};
  out->prerelease = false;
  if (len > 0 && (s[0] == 'v' || s[0] == 'V')) return "must not start with 'v' (SemVer is \"1.3.0\", not \"v1.3.0\")";
  for (int k = 0; k < 3; k++) {
    size_t start = i;
    uint64_t v = 0;
    while (i < len && s[i] >= '0' && s[i] <= '9') {
      unsigned d = (unsigned)(s[i] - '0');
      if (v > (UINT64_MAX - d) / 10) return "has a version number that is too large";
      v = v * 10 + d;
      i++;
    }
    if (i == start) return "must be a semantic version MAJOR.MINOR.PATCH such as \"1.3.0\"";
    if (s[start] == '0' && i - start > 1)
      return "must not have leading zeros in MAJOR.MINOR.PATCH (SemVer 2.0.0 rule 2)";
    *parts[k] = v;
    if (k < 2) {
      if (i >= len || s[i] != '.') return "must be a semantic version MAJOR.MINOR.PATCH such as \"1.3.0\"";
      i++;
    }
  }
  if (i < len && s[i] == '-') {
    out->prerelease = true;
    i++;
    for (;;) {
      size_t start = i;
      bool numeric = true;
      while (i < len && is_ident_char(s[i])) {
        if (s[i] < '0' || s[i] > '9') numeric = false;
        i++;
      }
      if (i == start) return "has an empty pre-release identifier (after '-' or '.')";
      if (numeric && s[start] == '0' && i - start > 1)
        return "has a numeric pre-release identifier with a leading zero (SemVer 2.0.0 rule 9)";
      if (i < len && s[i] == '.') {
        i++;
        continue;
      }
      break;
    }
  }
  if (i < len && s[i] == '+') {
    i++;
    for (;;) {
      size_t start = i;
      while (i < len && is_ident_char(s[i])) i++;
      if (i == start) return "has an empty build metadata identifier (after '+' or '.')";
      if (i < len && s[i] == '.') {
        i++;
        continue;
      }
      break;
    }
  }
  if (i != len) return "must be a semantic version MAJOR.MINOR.PATCH[-pre-release][+build] such as \"1.3.0\"";
  return NULL;
}

void spec_check_oci_version(struct spec_ctx *c, const struct kj_value *v, const struct spec_path *at) {
  struct semver sv;
  const char *why = parse_semver(v->u.string.s, v->u.string.len, &sv);
  if (why != NULL) {
    spec_error(c, v, at, "%s, found %s", why, spec_show(c, v));
    return;
  }
  if (sv.major == 1 && sv.minor <= 3) return;
  if (sv.prerelease) {
    spec_warning(c, v, at,
                 "%s is a pre-release of a runtime-spec version kago does not implement; it is validated as 1.3.0",
                 spec_show(c, v));
    return;
  }
  spec_error(c, v, at, "version %s is not supported: kago implements runtime-spec 1.0.0 to 1.3.x", spec_show(c, v));
}
