/* SPDX-License-Identifier: MIT */
/* The readers scan uses, one per file format (also tested on their own). Each adds what it finds to f. */
#ifndef PF_WATCH_DETECT_H
#define PF_WATCH_DETECT_H

#include <stddef.h>
#include <sys/types.h>

#include "core/error.h"
#include "watch/scan.h"

/*
 * Each reader gets the whole file (data, len; NUL-terminated) and the path to
 * name in findings and errors. They are strict and bounded: a file that is
 * not what its name says is PF_EFORMAT (the scan counts and reports it) and
 * adds nothing. Names and versions that are empty, longer than 256 bytes or
 * hold spaces or control characters are never reported.
 */

/* Python core metadata (METADATA, PKG-INFO, *.egg-info files): Name and Version headers. */
int watch_detect_py_meta(struct watch_findings *f, const char *path, const char *data, size_t len, const char *format,
		   struct pf_err *e);
/* "NAME-VERSION.dist-info" / "NAME-VERSION[-pyX.Y].egg-info" directory names; 0 when it has no version. */
int watch_detect_py_dirname(struct watch_findings *f, const char *path, const char *dirname, const char *format);
/* requirements*.txt: only exact pins (name==version, name===version), with extras, markers, hashes. */
int watch_detect_requirements(struct watch_findings *f, const char *path, const char *data, size_t len,
			struct pf_err *e);
/* Pipfile.lock (JSON): "default" and "develop" entries with "version": "==V". */
int watch_detect_pipfile_lock(struct watch_findings *f, const char *path, const char *data, size_t len,
			struct pf_err *e);
/* poetry.lock, uv.lock ([[package]]) and pylock.toml ([[packages]]) through the TOML reader. */
int watch_detect_toml_lock(struct watch_findings *f, const char *path, const char *data, size_t len, const char *format,
		     struct pf_err *e);
/* A wheel file name: NAME-VERSION(-BUILD)?-PY-ABI-PLATFORM.whl. 0 when it is not one. */
int watch_detect_wheel_name(struct watch_findings *f, const char *path, const char *file, const char *source,
		      const char *format);
/*
 * A pip HTTP cache entry (the old "cc=4," + msgpack files, or http-v2's
 * .body files) whose body is a wheel: the zip's central directory (found
 * from its end record, read with pread, capped) names NAME-VERSION.dist-info/.
 * A body that is not a zip (an index page, an sdist) adds nothing and is fine.
 */
int watch_detect_pip_cache(struct watch_findings *f, const char *path, int fd, off_t size, struct pf_err *e);

/* node_modules/<pkg>/package.json: name and version. */
int watch_detect_package_json(struct watch_findings *f, const char *path, const char *data, size_t len,
			struct pf_err *e);
/* package-lock.json / npm-shrinkwrap.json, lockfileVersion 1 ("dependencies") and 2-3 ("packages"). */
int watch_detect_package_lock(struct watch_findings *f, const char *path, const char *data, size_t len,
			const char *format, struct pf_err *e);
/* pnpm-lock.yaml (v5 "/name/1.0.0", v6 "/name@1.0.0", v9 "name@1.0.0" keys of "packages"). */
int watch_detect_pnpm_lock(struct watch_findings *f, const char *path, const char *data, size_t len, struct pf_err *e);
/* yarn.lock, classic (v1) and berry (YAML). */
int watch_detect_yarn_lock(struct watch_findings *f, const char *path, const char *data, size_t len, struct pf_err *e);
/*
 * An npm _cacache index-v5 bucket: lines "\n<sha1 of json>\t<json>"; entries
 * whose key is a request for a registry tarball ".../NAME/-/NAME-VERSION.tgz"
 * name that package (deleted entries too: the download happened).
 */
int watch_detect_npm_index(struct watch_findings *f, const char *path, const char *data, size_t len, struct pf_err *e);

/* dpkg's status file (or one file of a status.d directory): installed Package/Version pairs. */
int watch_detect_dpkg_status(struct watch_findings *f, const char *path, const char *data, size_t len,
		       struct pf_err *e);

/* 1 when s may be reported as a package name or version (see above). */
int watch_detect_token_ok(const char *s);

#endif
