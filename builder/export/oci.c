/* SPDX-License-Identifier: MIT */
/* export oci: a verified environment tarball -> OCI image layout (+ oci-archive), byte-reproducible. */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/file.h"
#include "core/time.h"
#include "export/gzip.h"
#include "export/internal.h"
#include "export/json.h"
#include "export/oci.h"
#include "export/sbom.h"
#include "install/constraints.h"
#include "lock/lock.h"
#include "pack/pack.h"

#define MEDIA_INDEX	"application/vnd.oci.image.index.v1+json"
#define MEDIA_MANIFEST	"application/vnd.oci.image.manifest.v1+json"
#define MEDIA_CONFIG	"application/vnd.oci.image.config.v1+json"
#define MEDIA_LAYER_GZ	"application/vnd.oci.image.layer.v1.tar+gzip"
#define MEDIA_LAYER_ZST	"application/vnd.oci.image.layer.v1.tar+zstd"
#define MEDIA_EMPTY	"application/vnd.oci.empty.v1+json"
#define ANN_CREATED	"org.opencontainers.image.created"
#define ANN_TITLE	"org.opencontainers.image.title"
#define ANN_REF		"org.opencontainers.image.ref.name"

#define MAX_TAR		((uint64_t)64 << 30)	/* as verify reads tarballs */
#define MAX_KEEP	((size_t)64 << 20)	/* the lock and the SBOMs */
#define CHUNK		((size_t)256 << 10)

/* The sandbox user of docs/environment.md. */
#define IMAGE_USER	"1000:1000"
#define IMAGE_HOME	"/home/user"
#define IMAGE_WORKDIR	"/project"
#define IMAGE_PATH	"PATH=/usr/local/bin:/usr/bin:/bin"

struct desc {
	const char *media;
	char digest[EXPORT_DIGEST_STR];
	uint64_t size;
};

struct ctx {
	const struct export_oci_opts *o;
	struct export_oci_result *r;
	char *staging, *layout, *blobs, *envcopy;
	/* what the verify pass saw */
	struct pf_buf lock, spdx, cdx;
	int has_lock, has_spdx, has_cdx, has_bash;
	struct lockfile l;
	int have_l;
	char created[PF_TIME_STR];
	struct pf_afile archive;	/* written, committed with the layout */
	int archive_open;
};

int export_ref_name_ok(const char *s)
{
	size_t n = strlen(s);

	if (!n || n > 255 || !isalnum((unsigned char)s[0]) || !isalnum((unsigned char)s[n - 1]))
		return 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (!isalnum(c) && !strchr("._-/:+", c))
			return 0;
		if (!isalnum(c) && !isalnum((unsigned char)s[i + 1]) && !(c == '_' && s[i + 1] == '_'))
			return 0;	/* separators stand between names: no "..", "//", "/:" */
	}
	return 1;
}

/* ---- the verify pass: keep the lock and the SBOMs, refuse whiteouts ---- */

static int is_whiteout(const char *path)
{
	for (const char *p = path; p; p = strchr(p, '/') ? strchr(p, '/') + 1 : NULL)
		if (!strncmp(p, ".wh.", 4))
			return 1;
	return 0;
}

static int visit(void *ud, const char *path, enum pack_type t, struct pf_err *e)
{
	struct ctx *c = ud;

	if (is_whiteout(path))
		return pf_error(e, PF_EUNSAFE, "'%s': '%s' would be an OCI whiteout (a deletion marker) in an image "
				"layer; refusing to export", c->o->env, path);
	if (t == PACK_FILE && (!strcmp(path, "usr/bin/bash") || !strcmp(path, "bin/bash")))
		c->has_bash = 1;
	return !strcmp(path, PACK_LOCK) || !strcmp(path, EXPORT_SBOM_SPDX_PATH) || !strcmp(path, EXPORT_SBOM_CDX_PATH);
}

static void kept(void *ud, const char *path, const void *data, size_t len)
{
	struct ctx *c = ud;
	struct pf_buf *b = !strcmp(path, PACK_LOCK) ? &c->lock : !strcmp(path, EXPORT_SBOM_SPDX_PATH) ? &c->spdx : &c->cdx;
	int *has = b == &c->lock ? &c->has_lock : b == &c->spdx ? &c->has_spdx : &c->has_cdx;

	b->len = 0;
	pf_buf_add(b, data, len);
	pf_buf_cstr(b);
	*has = 1;
}

/* Copy ENV into the staging directory, hashing it: what is verified and exported is this private copy. */
static int copy_env(struct ctx *c, struct pf_err *e)
{
	struct pf_sha256 s;
	struct stat st;
	char *buf = NULL;
	int in = pf_open_regular(c->o->env, 0, &st, e), out = -1, rc = 0;	/* a FIFO is refused, not waited on */
	ssize_t n;

	if (in < 0)
		return in;
	{
		unsigned char m[4];

		/* a lockfile is the likely mistake: say what to do instead of "not an archive" */
		if (pf_read_full(in, m, 4) != 4 || m[0] != 0x28 || m[1] != 0xb5 || m[2] != 0x2f || m[3] != 0xfd) {
			close(in);
			return pf_error(e, PF_EUSAGE, "'%s': not an environment tarball (tar + zstd); for a lockfile, "
					"run 'pinfold build LOCKFILE -o ENV.tar.zst' and export ENV.tar.zst", c->o->env);
		}
		if (lseek(in, 0, SEEK_SET) < 0) {
			close(in);
			return pf_error(e, PF_EIO, "'%s': %s", c->o->env, strerror(errno));
		}
	}
	out = open(c->envcopy, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (out < 0) {
		close(in);
		return pf_error(e, PF_EIO, "'%s': %s", c->envcopy, strerror(errno));
	}
	buf = pf_xmalloc(CHUNK);
	pf_sha256_init(&s);
	while ((n = pf_read_full(in, buf, CHUNK)) > 0) {
		pf_sha256_update(&s, buf, (size_t)n);
		for (ssize_t off = 0; off < n;) {
			ssize_t w = write(out, buf + off, (size_t)(n - off));

			if (w < 0 && errno == EINTR)
				continue;
			if (w < 0) {
				rc = pf_error(e, PF_EIO, "'%s': %s", c->envcopy, strerror(errno));
				break;
			}
			off += w;
		}
		if (rc)
			break;
	}
	if (!rc && n < 0)
		rc = pf_error(e, PF_EIO, "'%s': %s", c->o->env, strerror((int)-n));
	pf_sha256_final(&s, c->r->env_sha256);
	if (close(out) < 0 && !rc)
		rc = pf_error(e, PF_EIO, "'%s': %s", c->envcopy, strerror(errno));
	close(in);
	free(buf);
	return rc;
}

/* Errors about the private copy name what the user gave. */
static void name_env(struct ctx *c, struct pf_err *e)
{
	char *at = strstr(e->msg, c->envcopy), *msg;

	if (!at)
		return;
	msg = pf_xasprintf("%.*s%s%s", (int)(at - e->msg), e->msg, c->o->env, at + strlen(c->envcopy));
	snprintf(e->msg, sizeof e->msg, "%s", msg);
	free(msg);
}

static int verify_env(struct ctx *c, struct pf_err *e)
{
	struct pack_verify_hook h = { visit, kept, c, MAX_KEEP };
	struct pack_verify v;
	int rc = pack_verify_hooked(c->envcopy, NULL, NULL, &h, &v, e);

	if (rc)
		return rc;
	if (v.lines.n) {
		rc = pf_error(e, PF_ECHECK, "'%s': %zu difference%s from its manifest (first: %s); only an environment "
			      "that verifies is exported", c->o->env, v.lines.n, v.lines.n == 1 ? "" : "s", v.lines.v[0]);
		pack_verify_release(&v);
		return rc;
	}
	if (v.status)
		pf_warn(e, "'%s': %s; the image carries the environment without its install constraints", c->o->env,
			v.status);
	pack_verify_release(&v);
	if (!c->has_lock)
		return pf_error(e, PF_EFORMAT, "'%s': no %s: not a pinfold environment", c->o->env, PACK_LOCK);
	rc = lock_parse(&c->l, PACK_LOCK, c->lock.p, c->lock.len, e);
	if (rc)
		return rc;
	c->have_l = 1;
	return 0;
}

/* ---- blobs ---- */

static int mkdir_755(const char *path, struct pf_err *e)
{
	if (mkdir(path, 0755) < 0 || chmod(path, 0755) < 0)
		return pf_error(e, PF_EIO, "'%s': %s", path, strerror(errno));
	return 0;
}

static int put_blob(struct ctx *c, const char *media, const struct pf_buf *b, struct desc *d, struct pf_err *e)
{
	char hex[PF_SHA256_HEX], *path;
	int rc;

	pf_sha256_hex(b->p ? b->p : "", b->len, hex);
	path = pf_path_join(c->blobs, hex);
	rc = pf_write_file(path, b->p ? b->p : "", b->len, 0644, e);
	free(path);
	d->media = media;
	snprintf(d->digest, sizeof d->digest, "sha256:%s", hex);
	d->size = b->len;
	return rc;
}

/* A descriptor's fields (inside an open object). */
static void desc_fields(struct export_json *j, const struct desc *d)
{
	export_json_str(j, "mediaType", d->media);
	export_json_str(j, "digest", d->digest);
	export_json_int(j, "size", (long long)d->size);
}

static void desc_obj(struct export_json *j, const char *key, const struct desc *d)
{
	export_json_open(j, key, '{');
	desc_fields(j, d);
	export_json_close(j, '{');
}

/* ---- the layer ---- */

struct layer {
	struct pf_sha256 tar, out;
	uint64_t tar_size, out_size;
	struct export_gzip gz;
	struct pf_afile f;
	int compress;
};

static int layer_out(void *ud, const void *buf, size_t n, struct pf_err *e)
{
	struct layer *L = ud;

	pf_sha256_update(&L->out, buf, n);
	L->out_size += n;
	pf_afile_write(&L->f, buf, n);
	if (L->f.err)
		return pf_error(e, PF_EIO, "'%s': %s", L->f.path, strerror(L->f.err));
	return 0;
}

static int layer_in(void *ud, const void *buf, size_t n, struct pf_err *e)
{
	struct layer *L = ud;

	pf_sha256_update(&L->tar, buf, n);
	L->tar_size += n;
	return L->compress ? export_gzip_write(&L->gz, buf, n, e) : 0;
}

static int write_layer(struct ctx *c, struct desc *d, struct pf_err *e)
{
	struct layer L;
	char tarhex[PF_SHA256_HEX], outhex[PF_SHA256_HEX], *tmp = pf_path_join(c->blobs, ".layer"), *final = NULL;
	int rc, opened = 0;

	memset(&L, 0, sizeof L);
	L.f.fd = -1;
	L.compress = c->o->compression == EXPORT_GZIP;
	pf_sha256_init(&L.tar);
	pf_sha256_init(&L.out);
	if (L.compress) {
		rc = pf_afile_open(&L.f, tmp, 0644, e);
		opened = !rc;
		if (!rc)
			rc = export_gzip_init(&L.gz, layer_out, &L, e);
	} else {
		rc = 0;
	}
	if (!rc)
		rc = pack_tar_stream(c->envcopy, MAX_TAR, layer_in, &L, e);
	if (!rc && L.compress)
		rc = export_gzip_finish(&L.gz, e);
	if (!rc && L.compress) {
		rc = pf_afile_commit(&L.f, e);
		opened = 0;
	}
	pf_sha256_final(&L.tar, tarhex);
	pf_sha256_final(&L.out, outhex);
	if (rc)
		goto out;
	snprintf(c->r->diff_id, sizeof c->r->diff_id, "sha256:%s", tarhex);
	c->r->tar_size = L.tar_size;
	if (L.compress) {
		d->media = MEDIA_LAYER_GZ;
		d->size = L.out_size;
		final = pf_path_join(c->blobs, outhex);
		snprintf(d->digest, sizeof d->digest, "sha256:%s", outhex);
		if (rename(tmp, final) < 0)
			rc = pf_error(e, PF_EIO, "'%s': %s", final, strerror(errno));
	} else {
		/* zstd: the layer is the environment tarball itself, byte for byte */
		struct stat st;

		d->media = MEDIA_LAYER_ZST;
		final = pf_path_join(c->blobs, c->r->env_sha256);
		snprintf(d->digest, sizeof d->digest, "sha256:%s", c->r->env_sha256);
		if (stat(c->envcopy, &st) < 0 || rename(c->envcopy, final) < 0 || chmod(final, 0644) < 0)
			rc = pf_error(e, PF_EIO, "'%s': %s", final, strerror(errno));
		else
			d->size = (uint64_t)st.st_size;
	}
	if (!rc) {
		snprintf(c->r->layer, sizeof c->r->layer, "%s", d->digest);
		c->r->layer_size = d->size;
	}
out:
	if (opened)
		pf_afile_abort(&L.f);
	export_gzip_release(&L.gz);
	free(tmp);
	free(final);
	return rc;
}

/* ---- config, manifest, artifacts, index ---- */

static int platform(const struct lockfile *l, const char **os, const char **arch, struct pf_err *e)
{
	static const struct {
		const char *platform, *arch;
	} map[] = { { "linux-x86_64", "amd64" }, { "linux-amd64", "amd64" }, { "linux-aarch64", "arm64" },
		    { "linux-arm64", "arm64" } };

	for (size_t i = 0; l->target_platform && i < sizeof map / sizeof map[0]; i++) {
		if (!strcmp(l->target_platform, map[i].platform)) {
			*os = "linux";
			*arch = map[i].arch;
			return 0;
		}
	}
	return pf_error(e, PF_EFORMAT, "'%s': the lock's target.platform '%s' has no OCI architecture (known: "
			"linux-x86_64, linux-aarch64)", PACK_LOCK, l->target_platform ? l->target_platform : "(none)");
}

static int write_config(struct ctx *c, const struct desc *layer, const char *os, const char *arch, struct desc *d,
			struct pf_err *e)
{
	const struct lockfile *l = &c->l;
	struct pf_buf b = PF_BUF_INIT;
	struct pf_strv env = PF_STRV_INIT;
	struct export_json j;
	char *s;
	int rc;

	pf_strv_push(&env, IMAGE_PATH);
	pf_strv_push(&env, "HOME=" IMAGE_HOME);
	pf_strv_push(&env, "USER=user");
	pf_strv_push(&env, "LANG=C.UTF-8");
	pf_strv_push(&env, "PINFOLD_ENV=/");
	install_constraints_env("/", &env);
	export_json_init(&j, &b, 0);
	export_json_open(&j, NULL, '{');
	export_json_str(&j, "created", c->created);
	export_json_str(&j, "architecture", arch);
	export_json_str(&j, "os", os);
	export_json_open(&j, "config", '{');
	export_json_str(&j, "User", IMAGE_USER);
	export_json_open(&j, "Env", '[');
	for (size_t i = 0; i < env.n; i++)
		export_json_str(&j, NULL, env.v[i]);
	export_json_close(&j, '[');
	export_json_open(&j, "Cmd", '[');
	export_json_str(&j, NULL, c->has_bash ? "/bin/bash" : "/bin/sh");
	export_json_close(&j, '[');
	export_json_str(&j, "WorkingDir", IMAGE_WORKDIR);
	export_json_open(&j, "Labels", '{');
	/* sorted by key */
	export_json_str(&j, "dev.pinfold.catalog.name", l->catalog_name);
	export_json_str(&j, "dev.pinfold.catalog.sha256", l->catalog_sha256);
	s = pf_xasprintf("%lld", l->catalog_version);
	export_json_str(&j, "dev.pinfold.catalog.version", s);
	free(s);
	export_json_str(&j, "dev.pinfold.env.sha256", c->r->env_sha256);
	export_json_str(&j, "dev.pinfold.lock.sha256", l->sha256);
	export_json_str(&j, "dev.pinfold.runtime", l->target_runtime ? l->target_runtime : LOCK_RUNTIME_HOST);
	export_json_str(&j, "org.opencontainers.image.created", c->created);
	s = pf_xasprintf("pinfold environment '%s': %zu vetted package%s from catalog '%s' version %lld", l->image_name,
			 l->npkgs, l->npkgs == 1 ? "" : "s", l->catalog_name, l->catalog_version);
	export_json_str(&j, "org.opencontainers.image.description", s);
	free(s);
	export_json_str(&j, "org.opencontainers.image.title", l->image_name);
	export_json_close(&j, '{');
	export_json_close(&j, '{');
	export_json_open(&j, "rootfs", '{');
	export_json_str(&j, "type", "layers");
	export_json_open(&j, "diff_ids", '[');
	export_json_str(&j, NULL, c->r->diff_id);
	export_json_close(&j, '[');
	export_json_close(&j, '{');
	export_json_open(&j, "history", '[');
	export_json_open(&j, NULL, '{');
	export_json_str(&j, "created", c->created);
	s = pf_xasprintf("pinfold build (lock sha256:%s)", l->sha256);
	export_json_str(&j, "created_by", s);
	free(s);
	s = pf_xasprintf("the environment tarball sha256:%s, %zu packages; layer %s", c->r->env_sha256, l->npkgs,
			 layer->digest);
	export_json_str(&j, "comment", s);
	free(s);
	export_json_close(&j, '{');
	export_json_close(&j, '[');
	export_json_close(&j, '{');
	export_json_finish(&j);
	rc = put_blob(c, MEDIA_CONFIG, &b, d, e);
	pf_buf_release(&b);
	pf_strv_release(&env);
	return rc;
}

static int write_manifest(struct ctx *c, const struct desc *config, const struct desc *layer, struct desc *d,
			  struct pf_err *e)
{
	struct pf_buf b = PF_BUF_INIT;
	struct export_json j;
	char how[200];
	int rc;

	if (c->o->compression == EXPORT_GZIP)
		export_gzip_describe(how, sizeof how);
	else
		snprintf(how, sizeof how, "the environment tarball itself (zstd level %d, %d workers; see "
			 ".pinfold/build-info)", PACK_ZSTD_LEVEL, PACK_ZSTD_WORKERS);
	export_json_init(&j, &b, 0);
	export_json_open(&j, NULL, '{');
	export_json_int(&j, "schemaVersion", 2);
	export_json_str(&j, "mediaType", MEDIA_MANIFEST);
	desc_obj(&j, "config", config);
	export_json_open(&j, "layers", '[');
	export_json_open(&j, NULL, '{');
	desc_fields(&j, layer);
	export_json_open(&j, "annotations", '{');
	export_json_str(&j, EXPORT_ANN_COMPRESSOR, how);
	export_json_close(&j, '{');
	export_json_close(&j, '{');
	export_json_close(&j, '[');
	export_json_open(&j, "annotations", '{');
	export_json_str(&j, ANN_CREATED, c->created);
	export_json_str(&j, ANN_TITLE, c->l.image_name);
	export_json_close(&j, '{');
	export_json_close(&j, '{');
	export_json_finish(&j);
	rc = put_blob(c, MEDIA_MANIFEST, &b, d, e);
	pf_buf_release(&b);
	return rc;
}

/* One SBOM as an OCI 1.1 artifact: empty config, the document as its layer, the image as its subject. */
static int write_artifact(struct ctx *c, const struct pf_buf *doc, const char *media, const char *title,
			  const struct desc *empty, const struct desc *image, struct desc *d, struct pf_err *e)
{
	struct pf_buf b = PF_BUF_INIT;
	struct export_json j;
	struct desc layer;
	int rc = put_blob(c, media, doc, &layer, e);

	if (rc)
		return rc;
	export_json_init(&j, &b, 0);
	export_json_open(&j, NULL, '{');
	export_json_int(&j, "schemaVersion", 2);
	export_json_str(&j, "mediaType", MEDIA_MANIFEST);
	export_json_str(&j, "artifactType", media);
	export_json_open(&j, "config", '{');
	desc_fields(&j, empty);
	export_json_str(&j, "data", "e30=");	/* "{}" */
	export_json_close(&j, '{');
	export_json_open(&j, "layers", '[');
	export_json_open(&j, NULL, '{');
	desc_fields(&j, &layer);
	export_json_open(&j, "annotations", '{');
	export_json_str(&j, ANN_TITLE, title);
	export_json_close(&j, '{');
	export_json_close(&j, '{');
	export_json_close(&j, '[');
	desc_obj(&j, "subject", image);
	export_json_open(&j, "annotations", '{');
	export_json_str(&j, ANN_CREATED, c->created);
	export_json_close(&j, '{');
	export_json_close(&j, '{');
	export_json_finish(&j);
	rc = put_blob(c, MEDIA_MANIFEST, &b, d, e);
	pf_buf_release(&b);
	return rc;
}

/* The referrers of the image: an image index listing the artifact manifests, as the referrers API answers. */
static int write_referrers(struct ctx *c, const struct desc *image, struct desc *index, struct pf_err *e)
{
	const struct {
		const char *media, *title;
		const struct pf_buf *doc;
		int has;
	} docs[] = {
		{ EXPORT_SPDX_MEDIA, "sbom.spdx.json", &c->spdx, c->has_spdx },
		{ EXPORT_CDX_MEDIA, "sbom.cdx.json", &c->cdx, c->has_cdx },
	};
	struct pf_buf empty_json = { (char *)"{}", 2, 0 }, b = PF_BUF_INIT;
	struct desc empty, arts[2];
	const char *types[2];
	struct export_json j;
	int rc, n = 0;

	rc = put_blob(c, MEDIA_EMPTY, &empty_json, &empty, e);
	for (size_t i = 0; !rc && i < 2; i++) {
		if (!docs[i].has)
			continue;
		types[n] = docs[i].media;
		rc = write_artifact(c, docs[i].doc, docs[i].media, docs[i].title, &empty, image, &arts[n], e);
		n++;
	}
	if (rc)
		return rc;
	export_json_init(&j, &b, 0);
	export_json_open(&j, NULL, '{');
	export_json_int(&j, "schemaVersion", 2);
	export_json_str(&j, "mediaType", MEDIA_INDEX);
	export_json_open(&j, "manifests", '[');
	for (int i = 0; i < n; i++) {
		export_json_open(&j, NULL, '{');
		export_json_str(&j, "mediaType", arts[i].media);
		export_json_str(&j, "artifactType", types[i]);
		export_json_str(&j, "digest", arts[i].digest);
		export_json_int(&j, "size", (long long)arts[i].size);
		export_json_open(&j, "annotations", '{');
		export_json_str(&j, ANN_CREATED, c->created);
		export_json_close(&j, '{');
		export_json_close(&j, '{');
	}
	export_json_close(&j, '[');
	export_json_close(&j, '{');
	export_json_finish(&j);
	rc = put_blob(c, MEDIA_INDEX, &b, index, e);
	pf_buf_release(&b);
	c->r->nreferrers = n;
	return rc;
}

static int write_index(struct ctx *c, const struct desc *image, const struct desc *referrers, const char *os,
		       const char *arch, struct pf_err *e)
{
	struct pf_buf b = PF_BUF_INIT;
	struct export_json j;
	char *path = pf_path_join(c->layout, "index.json");
	int rc;

	export_json_init(&j, &b, 0);
	export_json_open(&j, NULL, '{');
	export_json_int(&j, "schemaVersion", 2);
	export_json_str(&j, "mediaType", MEDIA_INDEX);
	export_json_open(&j, "manifests", '[');
	export_json_open(&j, NULL, '{');
	desc_fields(&j, image);
	export_json_open(&j, "annotations", '{');
	if (referrers)
		export_json_str(&j, EXPORT_ANN_REFERRERS, referrers->digest);
	export_json_str(&j, ANN_REF, c->r->ref_name);
	export_json_close(&j, '{');
	export_json_open(&j, "platform", '{');
	export_json_str(&j, "architecture", arch);
	export_json_str(&j, "os", os);
	export_json_close(&j, '{');
	export_json_close(&j, '{');
	export_json_close(&j, '[');
	export_json_close(&j, '{');
	export_json_finish(&j);
	rc = pf_write_file(path, b.p, b.len, 0644, e);
	free(path);
	if (!rc) {
		static const char layout[] = "{\"imageLayoutVersion\":\"1.0.0\"}";

		path = pf_path_join(c->layout, "oci-layout");
		rc = pf_write_file(path, layout, sizeof layout - 1, 0644, e);
		free(path);
	}
	pf_buf_release(&b);
	return rc;
}

/* ---- oci-archive ---- */

static int write_archive(struct ctx *c, struct pf_err *e)
{
	int rc = pf_afile_open(&c->archive, c->o->archive, 0644, e);

	if (rc)
		return rc;
	c->archive_open = 1;
	/* committed by the caller, together with the layout */
	return export_layout_archive(c->layout, &c->archive, c->l.source_date_epoch, c->r->archive_sha256, e);
}

/* ---- where the layout goes ---- */

/* out_dir may be replaced when it is missing, empty, or an OCI layout; *exists says which. */
static int check_out_dir(const char *dir, int *exists, struct pf_err *e)
{
	struct stat st;
	char *marker;
	DIR *d;
	struct dirent *de;
	int empty = 1;

	*exists = 0;
	if (lstat(dir, &st) < 0) {
		if (errno == ENOENT)
			return 0;
		return pf_error(e, PF_EIO, "'%s': %s", dir, strerror(errno));
	}
	if (!S_ISDIR(st.st_mode))
		return pf_error(e, PF_EEXIST, "'%s' exists and is not a directory; refusing to replace it", dir);
	*exists = 1;
	marker = pf_path_join(dir, "oci-layout");
	if (lstat(marker, &st) == 0 && S_ISREG(st.st_mode)) {
		free(marker);
		return 0;
	}
	free(marker);
	d = opendir(dir);
	if (!d)
		return pf_error(e, PF_EIO, "'%s': %s", dir, strerror(errno));
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			empty = 0;
	closedir(d);
	if (!empty)
		return pf_error(e, PF_EEXIST, "'%s' exists and is not an OCI image layout; refusing to replace it", dir);
	return 0;
}

static int commit(struct ctx *c, int exists, struct pf_err *e)
{
	int rc = 0;

	if (c->archive_open) {
		rc = pf_afile_commit(&c->archive, e);
		c->archive_open = 0;
		if (rc)
			return rc;
	}
	/* an existing layout is swapped out atomically, then removed with the staging directory */
	if (exists ? renameat2(AT_FDCWD, c->layout, AT_FDCWD, c->o->out_dir, RENAME_EXCHANGE) < 0 :
		     rename(c->layout, c->o->out_dir) < 0) {
		rc = pf_error(e, PF_EIO, "'%s': cannot put the image layout in place: %s", c->o->out_dir,
			      strerror(errno));
		if (c->o->archive)
			unlink(c->o->archive);
	}
	return rc;
}

int export_oci(const struct export_oci_opts *o, struct export_oci_result *r, struct pf_err *e)
{
	struct ctx c;
	struct desc layer, config, manifest, referrers;
	const char *os = NULL, *arch = NULL;
	char *parent = NULL;
	int rc, exists = 0;

	memset(&c, 0, sizeof c);
	memset(r, 0, sizeof *r);
	c.o = o;
	c.r = r;
	c.archive.fd = -1;
	if (o->tag && !export_ref_name_ok(o->tag))
		return pf_error(e, PF_EUSAGE, "--tag: '%s' is not a valid reference name (letters, digits and "
				"'._-/:+' between them)", o->tag);
	rc = check_out_dir(o->out_dir, &exists, e);
	if (rc)
		return rc;
	parent = pf_dirname(o->out_dir);
	if (!pf_is_dir(parent)) {
		rc = pf_error(e, PF_ENOTFOUND, "'%s': output directory does not exist", parent);
		goto out;
	}
	if (o->archive) {
		char *ap = pf_dirname(o->archive);
		int ok = pf_is_dir(ap);

		if (!ok)
			rc = pf_error(e, PF_ENOTFOUND, "'%s': output directory does not exist", ap);
		free(ap);
		if (rc)
			goto out;
	}
	c.staging = pf_mkdtemp(parent, ".pinfold-export-", e);
	if (!c.staging) {
		rc = -PF_EIO;
		goto out;
	}
	c.layout = pf_path_join(c.staging, "layout");
	c.blobs = pf_path_join(c.layout, "blobs/sha256");
	c.envcopy = pf_path_join(c.staging, "env.tar.zst");

	rc = copy_env(&c, e);
	if (!rc)
		rc = verify_env(&c, e);
	if (rc)
		goto out;
	r->self_contained = lock_self_contained(c.l.target_runtime);
	if (!r->self_contained)
		pf_warn(e, "'%s' is a host-mode environment: the image holds no interpreter of its own (build a "
			"self-contained image to run it with podman, docker or Kubernetes)", o->env);
	if (!export_ref_name_ok(o->tag ? o->tag : c.l.image_name)) {
		rc = pf_error(e, PF_EFORMAT, "'%s': image name '%s' is not a valid reference name; pass --tag", o->env,
			      c.l.image_name);
		goto out;
	}
	snprintf(r->ref_name, sizeof r->ref_name, "%s", o->tag ? o->tag : c.l.image_name);
	pf_time_format((time_t)c.l.source_date_epoch, c.created);
	rc = platform(&c.l, &os, &arch, e);
	if (!rc)
		rc = mkdir_755(c.layout, e);
	if (!rc) {
		char *b = pf_path_join(c.layout, "blobs");

		rc = mkdir_755(b, e);
		free(b);
	}
	if (!rc)
		rc = mkdir_755(c.blobs, e);
	if (!rc)
		rc = write_layer(&c, &layer, e);
	if (!rc)
		rc = write_config(&c, &layer, os, arch, &config, e);
	if (!rc)
		rc = write_manifest(&c, &config, &layer, &manifest, e);
	if (rc)
		goto out;
	snprintf(r->manifest, sizeof r->manifest, "%s", manifest.digest);
	snprintf(r->config, sizeof r->config, "%s", config.digest);
	if (!c.has_spdx && !c.has_cdx)
		pf_warn(e, "'%s' carries no SBOMs (%s, %s): none attached; rebuild it with this pinfold", o->env,
			EXPORT_SBOM_SPDX_PATH, EXPORT_SBOM_CDX_PATH);
	else
		rc = write_referrers(&c, &manifest, &referrers, e);
	if (!rc)
		rc = write_index(&c, &manifest, c.has_spdx || c.has_cdx ? &referrers : NULL, os, arch, e);
	if (!rc && o->archive)
		rc = write_archive(&c, e);
	if (!rc)
		rc = commit(&c, exists, e);
out:
	if (rc && c.envcopy)
		name_env(&c, e);
	if (c.archive_open)
		pf_afile_abort(&c.archive);
	if (c.staging) {
		pf_rm_rf(c.staging);
		free(c.staging);
	}
	if (c.have_l)
		lock_release(&c.l);
	pf_buf_release(&c.lock);
	pf_buf_release(&c.spdx);
	pf_buf_release(&c.cdx);
	free(c.layout);
	free(c.blobs);
	free(c.envcopy);
	free(parent);
	return rc;
}
