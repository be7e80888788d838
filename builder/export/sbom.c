/* SPDX-License-Identifier: MIT */
/* SPDX 2.3 and CycloneDX 1.6 documents of a locked environment (docs/sbom.md). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pf_config.h"
#include "core/digest.h"
#include "core/file.h"
#include "core/time.h"
#include "export/json.h"
#include "export/purl.h"
#include "export/sbom.h"
#include "install/meta.h"

/*
 * The namespace of pinfold's name-based UUIDs (a random UUID fixed once):
 * the SPDX documentNamespace is urn:uuid:uuid5(NS, "spdx:" + lock sha256),
 * the CycloneDX serialNumber urn:uuid:uuid5(NS, "cyclonedx:" + lock sha256).
 */
static const unsigned char uuid_ns[16] = { 0xa4, 0x6a, 0x1d, 0x5d, 0xae, 0xcc, 0x4c, 0x6c,
					   0x89, 0xec, 0xd0, 0x41, 0x4c, 0x5b, 0x6b, 0x26 };

#define ROOT_SPDXID "SPDXRef-Environment"
#define ROOT_BOMREF "pinfold-environment"
#define TOOL "pinfold-" PF_VERSION

int export_sbom_format_parse(const char *s)
{
	if (!strcmp(s, "spdx-json"))
		return EXPORT_SPDX_JSON;
	if (!strcmp(s, "cyclonedx-json"))
		return EXPORT_CYCLONEDX_JSON;
	return -1;
}

/* A name/value pair: CycloneDX properties, lines of an SPDX annotation. */
struct prop {
	const char *name;
	char *value;
};

struct props {
	struct prop *v;
	size_t n, cap;
};

static void prop_owned(struct props *ps, const char *name, char *value)
{
	PF_GROW(ps->v, ps->n + 1, ps->cap);
	ps->v[ps->n++] = (struct prop){ name, value };
}

static void prop(struct props *ps, const char *name, const char *value)
{
	if (value)
		prop_owned(ps, name, pf_xstrdup(value));
}

static void propf(struct props *ps, const char *name, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void propf(struct props *ps, const char *name, const char *fmt, ...)
{
	struct pf_buf b = PF_BUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	pf_buf_vaddf(&b, fmt, ap);
	va_end(ap);
	prop_owned(ps, name, pf_buf_detach(&b, NULL));
}

static void props_release(struct props *ps)
{
	for (size_t i = 0; i < ps->n; i++)
		free(ps->v[i].value);
	free(ps->v);
	memset(ps, 0, sizeof *ps);
}

/* What the environment is: the lock's identity, its catalog, policy and target. */
static void root_props(const struct export_sbom *s, struct props *ps)
{
	const struct lockfile *l = s->lock;
	struct pf_buf keys = PF_BUF_INIT;

	prop(ps, "pinfold:lock:sha256", l->sha256);
	prop(ps, "pinfold:image:name", l->image_name);
	prop(ps, "pinfold:image:sha256", l->image_sha256);
	prop(ps, "pinfold:catalog:name", l->catalog_name);
	propf(ps, "pinfold:catalog:version", "%lld", l->catalog_version);
	prop(ps, "pinfold:catalog:sha256", l->catalog_sha256);
	for (size_t i = 0; i < l->ncatalog_keys; i++)
		pf_buf_addf(&keys, "%s%s", i ? " " : "", l->catalog_keys[i]);
	if (keys.len)
		prop(ps, "pinfold:catalog:keys", pf_buf_cstr(&keys));
	/* whether each package's vetting below comes from a catalog verified now */
	if (s->catalog)
		propf(ps, "pinfold:catalog:verified", "version %lld, sha256 %s", s->catalog->version,
		      s->catalog->sha256);
	else
		prop(ps, "pinfold:catalog:verified", "no (vetting not recorded)");
	propf(ps, "pinfold:policy:min-age-days", "%d", l->min_age_days);
	prop(ps, "pinfold:policy:age-cutoff", l->age_cutoff);
	prop(ps, "pinfold:policy:relaxed", l->relax_reason);
	prop(ps, "pinfold:target:runtime", l->target_runtime ? l->target_runtime : LOCK_RUNTIME_HOST);
	prop(ps, "pinfold:target:python", l->target_python);
	prop(ps, "pinfold:target:platform", l->target_platform);
	propf(ps, "pinfold:source-date-epoch", "%lld", l->source_date_epoch);
	pf_buf_release(&keys);
}

/*
 * What the catalog says about one package. New catalog fields (the startup
 * code a curator was shown, for one) become one more line here and appear in
 * both formats.
 */
static const struct catalog_pkg *pkg_props(const struct export_sbom *s, const struct lock_pkg *p, struct props *ps)
{
	const struct catalog_pkg *c = s->catalog ? catalog_find(s->catalog, p->ecosystem, p->name, p->version) : NULL;

	prop(ps, "pinfold:artifact:file", p->artifact.file);
	prop(ps, "pinfold:artifact:format", p->artifact.format);
	propf(ps, "pinfold:artifact:size", "%llu", (unsigned long long)p->artifact.size);
	for (size_t i = 0; i < p->nrequested_by; i++)
		prop(ps, "pinfold:requested-by", p->requested_by[i]);
	if (!c)
		return NULL;
	prop(ps, "pinfold:published", c->published);
	prop(ps, "pinfold:vetted:by", c->vetted_by);
	prop(ps, "pinfold:vetted:date", c->vetted_date);
	prop(ps, "pinfold:vetted:note", c->vetted_note);
	prop(ps, "pinfold:allowed-young", c->young_note);
	return c;
}

/* The lock package a requested_by entry "ECO:NAME VERSION" names; -1 for "image", -2 when not locked. */
static long requester(const struct lockfile *l, const char *r)
{
	const char *colon = strchr(r, ':'), *sp = strrchr(r, ' ');

	if (!strcmp(r, "image"))
		return -1;
	if (!colon || !sp || sp < colon)
		return -2;
	for (size_t i = 0; i < l->npkgs; i++) {
		const struct lock_pkg *p = &l->pkgs[i];
		size_t el = strlen(p->ecosystem), nl = strlen(p->name);

		if ((size_t)(colon - r) == el && !memcmp(r, p->ecosystem, el) && (size_t)(sp - colon - 1) == nl &&
		    !memcmp(colon + 1, p->name, nl) && !strcmp(sp + 1, p->version))
			return (long)i;
	}
	return -2;
}

/* deps[i*n + j] = 1 when package i depends on package j; direct[j] when the image asked for j. */
static int edges(const struct lockfile *l, unsigned char **deps, unsigned char **direct, struct pf_err *e)
{
	size_t n = l->npkgs;

	*deps = pf_xcalloc(n ? n * n : 1, 1);
	*direct = pf_xcalloc(n ? n : 1, 1);
	for (size_t j = 0; j < n; j++) {
		for (size_t k = 0; k < l->pkgs[j].nrequested_by; k++) {
			long r = requester(l, l->pkgs[j].requested_by[k]);

			if (r == -2)
				return pf_error(e, PF_EFORMAT, "the lock says %s:%s %s is requested by '%s', which is "
						"not locked", l->pkgs[j].ecosystem, l->pkgs[j].name, l->pkgs[j].version,
						l->pkgs[j].requested_by[k]);
			if (r == -1)
				(*direct)[j] = 1;
			else
				(*deps)[(size_t)r * n + j] = 1;
		}
	}
	return 0;
}

/* SPDX ids: "SPDXRef-" + letters, digits, '.' and '-' only. */
static char *spdx_id(const struct lock_pkg *p)
{
	struct pf_buf b = PF_BUF_INIT;
	const char *parts[] = { p->ecosystem, p->name, p->version };

	pf_buf_adds(&b, "SPDXRef-Package");
	for (size_t k = 0; k < 3; k++) {
		pf_buf_addc(&b, '-');
		for (const char *c = parts[k]; *c; c++)
			pf_buf_addc(&b, (*c >= 'A' && *c <= 'Z') || (*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') ||
						*c == '.' ? *c : '-');
	}
	/* the artifact digest keeps ids unique even when two names map to the same characters */
	pf_buf_addf(&b, "-%.12s", p->artifact.sha256);
	return pf_buf_detach(&b, NULL);
}

static void time_str(long long t, char out[PF_TIME_STR])
{
	pf_time_format((time_t)t, out);
}

static void uuid_urn(const char *kind, const char *lock_sha, char out[PF_UUID_STR + 9])
{
	char name[128], uuid[PF_UUID_STR];

	snprintf(name, sizeof name, "%s:%s", kind, lock_sha);
	pf_uuid5(uuid_ns, name, strlen(name), uuid);
	snprintf(out, PF_UUID_STR + 9, "urn:uuid:%s", uuid);
}

static void spdx_annotation(struct export_json *j, const char *date, const char *type, const struct props *ps)
{
	struct pf_buf c = PF_BUF_INIT;

	for (size_t i = 0; i < ps->n; i++)
		pf_buf_addf(&c, "%s%s: %s", i ? "\n" : "", ps->v[i].name, ps->v[i].value);
	export_json_open(j, NULL, '{');
	export_json_str(j, "annotationDate", date);
	export_json_str(j, "annotationType", type);
	export_json_str(j, "annotator", "Tool: " TOOL);
	export_json_str(j, "comment", pf_buf_cstr(&c));
	export_json_close(j, '{');
	pf_buf_release(&c);
}

static int spdx(const struct export_sbom *s, char **purls, char **ids, const unsigned char *deps,
		const unsigned char *direct, struct pf_buf *out)
{
	const struct lockfile *l = s->lock;
	struct export_json j;
	struct props ps = { NULL, 0, 0 };
	char created[PF_TIME_STR], ns[PF_UUID_STR + 9];
	int self = lock_self_contained(l->target_runtime);

	time_str(l->source_date_epoch, created);
	uuid_urn("spdx", l->sha256, ns);
	export_json_init(&j, out, 1);
	export_json_open(&j, NULL, '{');
	export_json_str(&j, "spdxVersion", "SPDX-2.3");
	export_json_str(&j, "dataLicense", "CC0-1.0");
	export_json_str(&j, "SPDXID", "SPDXRef-DOCUMENT");
	export_json_str(&j, "name", l->image_name);
	export_json_str(&j, "documentNamespace", ns);
	export_json_open(&j, "creationInfo", '{');
	export_json_str(&j, "created", created);
	export_json_open(&j, "creators", '[');
	export_json_str(&j, NULL, "Tool: " TOOL);
	export_json_close(&j, '[');
	export_json_str(&j, "comment", "Generated from the lockfile; created is the lock's source_date_epoch.");
	export_json_close(&j, '{');

	export_json_open(&j, "packages", '[');
	/* the environment itself */
	export_json_open(&j, NULL, '{');
	export_json_str(&j, "name", l->image_name);
	export_json_str(&j, "SPDXID", ROOT_SPDXID);
	export_json_str(&j, "downloadLocation", "NOASSERTION");
	export_json_bool(&j, "filesAnalyzed", 0);
	export_json_str(&j, "licenseConcluded", "NOASSERTION");
	export_json_str(&j, "licenseDeclared", "NOASSERTION");
	export_json_str(&j, "copyrightText", "NOASSERTION");
	export_json_str(&j, "primaryPackagePurpose", self ? "CONTAINER" : "APPLICATION");
	export_json_str(&j, "comment", self ? "A pinfold environment: a self-contained root filesystem." :
					      "A pinfold environment: a tree over the host's interpreters.");
	root_props(s, &ps);
	export_json_open(&j, "annotations", '[');
	spdx_annotation(&j, created, "OTHER", &ps);
	export_json_close(&j, '[');
	props_release(&ps);
	export_json_close(&j, '{');

	for (size_t i = 0; i < l->npkgs; i++) {
		const struct lock_pkg *p = &l->pkgs[i];
		const struct export_license *lic = s->licenses ? &s->licenses[i] : NULL;
		const struct catalog_pkg *c;

		export_json_open(&j, NULL, '{');
		export_json_str(&j, "name", p->name);
		export_json_str(&j, "SPDXID", ids[i]);
		export_json_str(&j, "versionInfo", p->version);
		export_json_str(&j, "packageFileName", p->artifact.file);
		export_json_str(&j, "downloadLocation", "NOASSERTION");
		export_json_bool(&j, "filesAnalyzed", 0);
		export_json_open(&j, "checksums", '[');
		export_json_open(&j, NULL, '{');
		export_json_str(&j, "algorithm", "SHA256");
		export_json_str(&j, "checksumValue", p->artifact.sha256);
		export_json_close(&j, '{');
		export_json_close(&j, '[');
		export_json_str(&j, "licenseConcluded", "NOASSERTION");
		export_json_str(&j, "licenseDeclared", lic && lic->expr ? lic->expr : "NOASSERTION");
		if (lic && lic->text) {
			char *t = pf_xasprintf("The artifact declares a licence that is not an SPDX expression: %s",
					       lic->text);

			export_json_str(&j, "licenseComments", t);
			free(t);
		} else if (!strcmp(p->artifact.format, "deb")) {
			export_json_str(&j, "licenseComments", "Debian packages state their licences in free-text "
							       "copyright files; not asserted here.");
		}
		export_json_str(&j, "copyrightText", "NOASSERTION");
		export_json_open(&j, "externalRefs", '[');
		export_json_open(&j, NULL, '{');
		export_json_str(&j, "referenceCategory", "PACKAGE-MANAGER");
		export_json_str(&j, "referenceType", "purl");
		export_json_str(&j, "referenceLocator", purls[i]);
		export_json_close(&j, '{');
		export_json_close(&j, '[');
		export_json_str(&j, "primaryPackagePurpose", "LIBRARY");
		c = pkg_props(s, p, &ps);
		export_json_open(&j, "annotations", '[');
		if (c && c->vetted_date && strlen(c->vetted_date) == 10) {
			char date[PF_TIME_STR];

			snprintf(date, sizeof date, "%sT00:00:00Z", c->vetted_date);
			spdx_annotation(&j, date, "REVIEW", &ps);
		} else {
			spdx_annotation(&j, created, "OTHER", &ps);
		}
		export_json_close(&j, '[');
		props_release(&ps);
		export_json_close(&j, '{');
	}
	export_json_close(&j, '[');

	export_json_open(&j, "relationships", '[');
#define REL(a, t, b) do { \
		export_json_open(&j, NULL, '{'); \
		export_json_str(&j, "spdxElementId", a); \
		export_json_str(&j, "relationshipType", t); \
		export_json_str(&j, "relatedSpdxElement", b); \
		export_json_close(&j, '{'); \
	} while (0)
	REL("SPDXRef-DOCUMENT", "DESCRIBES", ROOT_SPDXID);
	for (size_t i = 0; i < l->npkgs; i++)
		REL(ROOT_SPDXID, "CONTAINS", ids[i]);
	for (size_t i = 0; i < l->npkgs; i++)
		if (direct[i])
			REL(ROOT_SPDXID, "DEPENDS_ON", ids[i]);
	for (size_t i = 0; i < l->npkgs; i++)
		for (size_t k = 0; k < l->npkgs; k++)
			if (deps[i * l->npkgs + k])
				REL(ids[i], "DEPENDS_ON", ids[k]);
#undef REL
	export_json_close(&j, '[');
	export_json_close(&j, '{');
	export_json_finish(&j);
	return 0;
}

static void cdx_props(struct export_json *j, const struct props *ps)
{
	if (!ps->n)
		return;
	export_json_open(j, "properties", '[');
	for (size_t i = 0; i < ps->n; i++) {
		export_json_open(j, NULL, '{');
		export_json_str(j, "name", ps->v[i].name);
		export_json_str(j, "value", ps->v[i].value);
		export_json_close(j, '{');
	}
	export_json_close(j, '[');
}

static void cdx_license(struct export_json *j, const struct export_license *lic)
{
	if (!lic || (!lic->expr && !lic->text))
		return;
	export_json_open(j, "licenses", '[');
	export_json_open(j, NULL, '{');
	if (lic->expr && !lic->single) {
		export_json_str(j, "expression", lic->expr);
	} else {
		export_json_open(j, "license", '{');
		export_json_str(j, lic->expr ? "id" : "name", lic->expr ? lic->expr : lic->text);
		export_json_str(j, "acknowledgement", "declared");
		export_json_close(j, '{');
	}
	export_json_close(j, '{');
	export_json_close(j, '[');
}

static int cyclonedx(const struct export_sbom *s, char **purls, const unsigned char *deps, const unsigned char *direct,
		     struct pf_buf *out)
{
	const struct lockfile *l = s->lock;
	struct export_json j;
	struct props ps = { NULL, 0, 0 };
	char created[PF_TIME_STR], serial[PF_UUID_STR + 9];

	time_str(l->source_date_epoch, created);
	uuid_urn("cyclonedx", l->sha256, serial);
	export_json_init(&j, out, 1);
	export_json_open(&j, NULL, '{');
	export_json_str(&j, "bomFormat", "CycloneDX");
	export_json_str(&j, "specVersion", "1.6");
	export_json_str(&j, "serialNumber", serial);
	export_json_int(&j, "version", 1);
	export_json_open(&j, "metadata", '{');
	export_json_str(&j, "timestamp", created);
	export_json_open(&j, "lifecycles", '[');
	export_json_open(&j, NULL, '{');
	export_json_str(&j, "phase", "build");
	export_json_close(&j, '{');
	export_json_close(&j, '[');
	export_json_open(&j, "tools", '{');
	export_json_open(&j, "components", '[');
	export_json_open(&j, NULL, '{');
	export_json_str(&j, "type", "application");
	export_json_str(&j, "name", "pinfold");
	export_json_str(&j, "version", PF_VERSION);
	export_json_close(&j, '{');
	export_json_close(&j, '[');
	export_json_close(&j, '{');
	export_json_open(&j, "component", '{');
	export_json_str(&j, "type", lock_self_contained(l->target_runtime) ? "container" : "application");
	export_json_str(&j, "bom-ref", ROOT_BOMREF);
	export_json_str(&j, "name", l->image_name);
	root_props(s, &ps);
	cdx_props(&j, &ps);
	props_release(&ps);
	export_json_close(&j, '{');
	export_json_close(&j, '{');

	export_json_open(&j, "components", '[');
	for (size_t i = 0; i < l->npkgs; i++) {
		const struct lock_pkg *p = &l->pkgs[i];
		const char *slash = !strcmp(p->ecosystem, "npm") && p->name[0] == '@' ? strchr(p->name, '/') : NULL;
		char *group = slash ? pf_xstrndup(p->name, (size_t)(slash - p->name)) : NULL;

		export_json_open(&j, NULL, '{');
		export_json_str(&j, "type", "library");
		export_json_str(&j, "bom-ref", purls[i]);
		if (group)
			export_json_str(&j, "group", group);
		export_json_str(&j, "name", slash ? slash + 1 : p->name);
		export_json_str(&j, "version", p->version);
		export_json_open(&j, "hashes", '[');
		export_json_open(&j, NULL, '{');
		export_json_str(&j, "alg", "SHA-256");
		export_json_str(&j, "content", p->artifact.sha256);
		export_json_close(&j, '{');
		export_json_close(&j, '[');
		cdx_license(&j, s->licenses ? &s->licenses[i] : NULL);
		export_json_str(&j, "purl", purls[i]);
		pkg_props(s, p, &ps);
		cdx_props(&j, &ps);
		props_release(&ps);
		export_json_close(&j, '{');
		free(group);
	}
	export_json_close(&j, '[');

	export_json_open(&j, "dependencies", '[');
	export_json_open(&j, NULL, '{');
	export_json_str(&j, "ref", ROOT_BOMREF);
	export_json_open(&j, "dependsOn", '[');
	for (size_t i = 0; i < l->npkgs; i++)
		if (direct[i])
			export_json_str(&j, NULL, purls[i]);
	export_json_close(&j, '[');
	export_json_close(&j, '{');
	for (size_t i = 0; i < l->npkgs; i++) {
		export_json_open(&j, NULL, '{');
		export_json_str(&j, "ref", purls[i]);
		export_json_open(&j, "dependsOn", '[');
		for (size_t k = 0; k < l->npkgs; k++)
			if (deps[i * l->npkgs + k])
				export_json_str(&j, NULL, purls[k]);
		export_json_close(&j, '[');
		export_json_close(&j, '{');
	}
	export_json_close(&j, '[');
	export_json_close(&j, '{');
	export_json_finish(&j);
	return 0;
}

int export_sbom_write(const struct export_sbom *s, enum export_sbom_format f, struct pf_buf *out, struct pf_err *e)
{
	const struct lockfile *l = s->lock;
	char **purls = pf_xcalloc(l->npkgs ? l->npkgs : 1, sizeof *purls);
	char **ids = pf_xcalloc(l->npkgs ? l->npkgs : 1, sizeof *ids);
	unsigned char *deps = NULL, *direct = NULL;
	char distro_buf[32];
	const char *distro = export_deb_distro(l, distro_buf, sizeof distro_buf);
	int rc = 0;

	if (!pf_is_sha256_hex(l->sha256)) {
		rc = pf_error(e, PF_EINTERNAL, "an SBOM needs a lock read from its bytes (no digest)");
		goto out;
	}
	for (size_t i = 0; i < l->npkgs; i++) {
		struct pf_buf b = PF_BUF_INIT;

		export_purl(&l->pkgs[i], distro, &b);
		purls[i] = pf_buf_detach(&b, NULL);
		ids[i] = spdx_id(&l->pkgs[i]);
		/* purls and SPDX ids are the documents' references: they must be unique */
		for (size_t k = 0; k < i && !rc; k++)
			if (!strcmp(purls[k], purls[i]) || !strcmp(ids[k], ids[i]))
				rc = pf_error(e, PF_EFORMAT, "locked %s:%s and %s:%s have the same package URL '%s'",
					      l->pkgs[k].ecosystem, l->pkgs[k].name, l->pkgs[i].ecosystem,
					      l->pkgs[i].name, purls[i]);
	}
	if (!rc)
		rc = edges(l, &deps, &direct, e);
	if (!rc)
		rc = f == EXPORT_SPDX_JSON ? spdx(s, purls, ids, deps, direct, out) :
					     cyclonedx(s, purls, deps, direct, out);
out:
	for (size_t i = 0; i < l->npkgs; i++) {
		free(purls[i]);
		free(ids[i]);
	}
	free(purls);
	free(ids);
	free(deps);
	free(direct);
	return rc;
}

int export_sbom_licenses(const struct lockfile *l, char *const *paths, struct export_license **out, struct pf_err *e)
{
	struct export_license *v = pf_xcalloc(l->npkgs ? l->npkgs : 1, sizeof *v);
	int rc = 0;

	for (size_t i = 0; i < l->npkgs && !rc; i++) {
		const struct lock_pkg *p = &l->pkgs[i];
		struct install_meta m;

		if (!paths || !paths[i] || (strcmp(p->artifact.format, "wheel") && strcmp(p->artifact.format, "npm")))
			continue;
		memset(&m, 0, sizeof m);
		rc = install_read_meta(paths[i], p->artifact.format, &m, e);
		if (!rc)
			export_license_from_meta(&m, &v[i]);
		install_meta_release(&m);
	}
	if (rc) {
		export_sbom_licenses_free(v, l->npkgs);
		v = NULL;
	}
	*out = v;
	return rc;
}

void export_sbom_licenses_free(struct export_license *v, size_t n)
{
	for (size_t i = 0; v && i < n; i++)
		export_license_release(&v[i]);
	free(v);
}

int export_sbom_write_env(const char *root, const struct lockfile *l, const struct catalog *catalog,
			  char *const *paths, struct pf_err *e)
{
	struct export_license *lic = NULL;
	struct export_sbom s = { l, catalog, NULL };
	static const struct {
		enum export_sbom_format f;
		const char *path;
	} docs[] = { { EXPORT_SPDX_JSON, EXPORT_SBOM_SPDX_PATH }, { EXPORT_CYCLONEDX_JSON, EXPORT_SBOM_CDX_PATH } };
	int rc = export_sbom_licenses(l, paths, &lic, e);

	s.licenses = lic;
	for (size_t i = 0; !rc && i < sizeof docs / sizeof docs[0]; i++) {
		struct pf_buf b = PF_BUF_INIT;
		char *p = pf_path_join(root, docs[i].path);

		rc = export_sbom_write(&s, docs[i].f, &b, e);
		if (!rc)
			rc = pf_write_file(p, b.p, b.len, 0644, e);
		free(p);
		pf_buf_release(&b);
	}
	export_sbom_licenses_free(lic, l->npkgs);
	return rc;
}
