/* SPDX-License-Identifier: MIT */
/* Writes the install constraints of an environment (config, guards, policy) and lifts them on unlock. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/file.h"
#include "core/time.h"
#include "core/yaml.h"
#include "install/constraints.h"
#include "lock/lock.h"
#include "solve/solve.h"

/*
 * The refusal text, shared by the shell guards (as a function) and the
 * Python hook. It says what was refused, why, how to add a vetted package and
 * how to lift the constraint, in words a non-developer can act on.
 */
#define SH_REFUSE \
	"pf_refuse() {\n" \
	"\tcat >&2 <<PF_EOF\n" \
	"pinfold: refused: '$*'\n" \
	"Only vetted packages are allowed in this environment ($root).\n" \
	"Installing from a package index or a downloaded file could run code that nobody has\n" \
	"reviewed, so this environment does not do it.\n" \
	"\n" \
	"To add a package, have it vetted instead:\n" \
	"  1. ask the curator of your catalog to add and sign it\n" \
	"     (pinfold catalog add DIR FILE, then pinfold catalog sign DIR),\n" \
	"  2. list it under 'packages:' in your image file,\n" \
	"  3. run 'pinfold lock IMAGE' and 'pinfold build LOCKFILE -o ENV.tar.zst',\n" \
	"     and use the new environment.\n" \
	"\n" \
	"To lift this constraint anyway (the reason is recorded in the environment):\n" \
	"  pinfold unlock $root --reason \"why you need it\"\n" \
	"PF_EOF\n" \
	"\texit 1\n" \
	"}\n"

#define SH_HEAD(tool, what) \
	"#!/bin/sh\n" \
	"# pinfold guard for " tool ": " what "\n" \
	"# Only vetted packages are allowed in this environment; see .pinfold/policy.yaml.\n" \
	"# Removed by 'pinfold unlock ENV --reason TEXT'.\n" \
	"root=$(CDPATH= cd -- \"$(dirname -- \"$0\")/..\" && pwd -P) || exit 1\n" \
	SH_REFUSE \
	"# The first " tool " on PATH that is not this guard.\n" \
	"pf_real() {\n" \
	"\tpf_ifs=$IFS; IFS=:\n" \
	"\tfor pf_d in $PATH; do\n" \
	"\t\tIFS=$pf_ifs\n" \
	"\t\t[ -n \"$pf_d\" ] || pf_d=.\n" \
	"\t\t[ -f \"$pf_d/$1\" ] && [ -x \"$pf_d/$1\" ] || continue\n" \
	"\t\t[ \"$(CDPATH= cd -- \"$pf_d\" 2>/dev/null && pwd -P)\" = \"$root/bin\" ] && continue\n" \
	"\t\tprintf '%s\\n' \"$pf_d/$1\"\n" \
	"\t\treturn 0\n" \
	"\tdone\n" \
	"\tIFS=$pf_ifs\n" \
	"\techo \"pinfold: $1: not found outside this environment\" >&2\n" \
	"\treturn 1\n" \
	"}\n"

/* pip and pip3: install, download and wheel are refused; the rest runs the real pip. */
static const char pip_guard[] =
	SH_HEAD("pip", "refuses install, download and wheel")
	"tool=${0##*/}\n"
	"case $tool in pip|pip3) ;; *) tool=pip ;; esac\n"
	"cmd= skip=\n"
	"for a in \"$@\"; do\n"
	"\tif [ -n \"$skip\" ]; then skip=; continue; fi\n"
	"\tcase $a in\n"
	"\t--log|--log-file|--local-log|--proxy|--retries|--timeout|--exists-action|--trusted-host|\\\n"
	"\t--cert|--client-cert|--cache-dir|--python|--use-feature|--use-deprecated|--keyring-provider)\n"
	"\t\tskip=1 ;;\n"
	"\t-*) ;;\n"
	"\t*) cmd=$a; break ;;\n"
	"\tesac\n"
	"done\n"
	"case $cmd in\n"
	"install|download|wheel) pf_refuse \"$tool $*\" ;;\n"
	"esac\n"
	"export PIP_CONSTRAINT=\"$root/.pinfold/constraints.txt\" PIP_NO_INDEX=1 PIP_REQUIRE_HASHES=1\n"
	"for py in python3 python; do\n"
	"\tif [ -x \"$root/bin/$py\" ]; then\n"
	"\t\tfor sp in \"$root\"/lib/python3*/site-packages/pip; do\n"
	"\t\t\t[ -d \"$sp\" ] && exec \"$root/bin/$py\" -m pip \"$@\"\n"
	"\t\tdone\n"
	"\tfi\n"
	"done\n"
	"real=$(pf_real \"$tool\") || exit 127\n"
	"echo \"pinfold: note: this environment has no pip of its own; running $real\" >&2\n"
	"exec \"$real\" \"$@\"\n";

/*
 * npm: every command that fetches or installs is refused; the rest runs the
 * real npm offline, against a registry that resolves nowhere, never
 * installing what `npm exec` is missing.
 */
static const char npm_guard[] =
	SH_HEAD("npm", "refuses install, ci, update and the like")
	"cmd= arg1= skip=\n"
	"for a in \"$@\"; do\n"
	"\tif [ -n \"$skip\" ]; then skip=; continue; fi\n"
	"\tcase $a in\n"
	"\t--) break ;;\n"
	"\t--prefix|-C|--workspace|-w|--registry|--cache|--userconfig|--globalconfig|--loglevel|\\\n"
	"\t--tag|--otp|--scope|--location|--include|--omit|--script-shell|-p|--package)\n"
	"\t\tskip=1 ;;\n"
	"\t-*) ;;\n"
	"\t*) if [ -z \"$cmd\" ]; then cmd=$a; else arg1=$a; break; fi ;;\n"
	"\tesac\n"
	"done\n"
	"case $cmd in\n"
	"i|in|ins|inst|insta|instal|install|isnt|isnta|isntal|isntall|add|ci|ic|clean-install|\\\n"
	"install-clean|isntall-clean|it|cit|sit|install-test|install-ci-test|clean-install-test|\\\n"
	"up|update|upgrade|udpate|link|ln|dedupe|ddp)\n"
	"\tpf_refuse \"npm $*\" ;;\n"
	"audit) [ \"$arg1\" = fix ] && pf_refuse \"npm $*\" ;;\n"
	"init|create|innit) [ -n \"$arg1\" ] && pf_refuse \"npm $*\" ;;\n"
	"esac\n"
	"export npm_config_globalconfig=\"$root/etc/npmrc\"\n"
	"export npm_config_offline=true npm_config_yes=false\n"
	"export npm_config_registry=https://vetted-packages-only.invalid/\n"
	"real=$(pf_real npm) || exit 127\n"
	"exec \"$real\" \"$@\"\n";

/* npx: runs only commands that are already installed; fetching a package is refused. */
static const char npx_guard[] =
	SH_HEAD("npx", "runs installed commands only, never fetches a package")
	"name= pkg= skip= call= i=0\n"
	"for a in \"$@\"; do\n"
	"\ti=$((i + 1))\n"
	"\tif [ -n \"$skip\" ]; then pkg=$a; skip=; continue; fi\n"
	"\tcase $a in\n"
	"\t-p|--package) skip=1 ;;\n"
	"\t--package=*) pkg=${a#--package=} ;;\n"
	"\t-c|--call) call=1; break ;;\n"
	"\t--) ;;\n"
	"\t-*) ;;\n"
	"\t*) name=$a; break ;;\n"
	"\tesac\n"
	"done\n"
	"# A package given with -p, or a name with a version, means a fetch.\n"
	"[ -n \"$pkg\" ] && pf_refuse \"npx $*\"\n"
	"case $name in\n"
	"@*/*@*|[!@]*@*) pf_refuse \"npx $*\" ;;\n"
	"esac\n"
	"if [ -z \"$call\" ] && [ -n \"$name\" ]; then\n"
	"\tbase=${name##*/}\n"
	"\t# A command of this environment runs directly (npx would look for it elsewhere).\n"
	"\tfor f in \"$root/bin/$base\" \"$root/lib/node_modules/.bin/$base\"; do\n"
	"\t\tcase $base in npm|npx|pip|pip3|activate) continue ;; esac\n"
	"\t\tif [ -f \"$f\" ] && [ -x \"$f\" ]; then shift \"$i\"; exec \"$f\" \"$@\"; fi\n"
	"\tdone\n"
	"\tfound=\n"
	"\t[ -e \"$root/lib/node_modules/$name/package.json\" ] && found=1\n"
	"\td=$(pwd -P)\n"
	"\twhile [ -z \"$found\" ]; do\n"
	"\t\t[ -e \"$d/node_modules/.bin/$base\" ] && found=1\n"
	"\t\t[ \"$d\" = / ] && break\n"
	"\t\td=$(dirname -- \"$d\")\n"
	"\tdone\n"
	"\t[ -n \"$found\" ] || pf_refuse \"npx $*\"\n"
	"fi\n"
	"export npm_config_globalconfig=\"$root/etc/npmrc\"\n"
	"export npm_config_offline=true npm_config_yes=false\n"
	"export npm_config_registry=https://vetted-packages-only.invalid/\n"
	"real=$(pf_real npx) || exit 127\n"
	"exec \"$real\" \"$@\"\n";

static const char npmrc[] =
	"; pinfold: only vetted packages are allowed in this environment (.pinfold/policy.yaml).\n"
	"; Removed by 'pinfold unlock ENV --reason TEXT'.\n"
	"offline=true\n"
	"yes=false\n"
	"registry=https://vetted-packages-only.invalid/\n"
	"audit=false\n"
	"fund=false\n"
	"update-notifier=false\n";

static const char pip_conf[] =
	"# pinfold: only vetted packages are allowed in this environment (.pinfold/policy.yaml).\n"
	"# pip reads this file as its site configuration inside the venv. The locked\n"
	"# versions and hashes are in .pinfold/constraints.txt (PIP_CONSTRAINT, set on activation).\n"
	"# Removed by 'pinfold unlock ENV --reason TEXT'.\n"
	"[global]\n"
	"no-index = true\n"
	"disable-pip-version-check = true\n"
	"\n"
	"[install]\n"
	"require-hashes = true\n";

/*
 * `python -m pip install` does not pass through bin/pip. A .pth file in
 * site-packages imports this module at interpreter start-up; it puts a finder
 * at the head of sys.meta_path that refuses to import pip's install, download
 * and wheel command modules, which pip imports only to run those commands,
 * however pip was started (`-m pip`, bin/pip3.X, pip's main() from code).
 * Nothing else is affected: the finder returns None for every other name.
 */
static const char py_guard[] =
	"# SPDX-License-Identifier: MIT\n"
	"# pinfold guard: refuses pip install, download and wheel in this vetted environment.\n"
	"# Imported by _pinfold_guard.pth; removed by 'pinfold unlock ENV --reason TEXT'.\n"
	"import sys\n"
	"\n"
	"_REFUSED = {\n"
	"    'pip._internal.commands.install': 'install',\n"
	"    'pip._internal.commands.download': 'download',\n"
	"    'pip._internal.commands.wheel': 'wheel',\n"
	"}\n"
	"\n"
	"\n"
	"def _refuse(cmd):\n"
	"    import os\n"
	"    root = os.path.realpath(sys.prefix)\n"
	"    args = [a for a in sys.argv[1:]]\n"
	"    if cmd not in args:\n"
	"        args = [cmd] + args\n"
	"    tool = os.path.basename(sys.argv[0] if sys.argv else '')\n"
	"    if not tool.startswith('pip') or tool.endswith('.py'):\n"
	"        tool = 'python -m pip'\n"
	"    sys.stderr.write(\n"
	"        \"pinfold: refused: '%s %s'\\n\"\n"
	"        'Only vetted packages are allowed in this environment (%s).\\n'\n"
	"        'Installing from a package index or a downloaded file could run code that nobody has\\n'\n"
	"        'reviewed, so this environment does not do it.\\n'\n"
	"        '\\n'\n"
	"        'To add a package, have it vetted instead:\\n'\n"
	"        '  1. ask the curator of your catalog to add and sign it\\n'\n"
	"        '     (pinfold catalog add DIR FILE, then pinfold catalog sign DIR),\\n'\n"
	"        \"  2. list it under 'packages:' in your image file,\\n\"\n"
	"        \"  3. run 'pinfold lock IMAGE' and 'pinfold build LOCKFILE -o ENV.tar.zst',\\n\"\n"
	"        '     and use the new environment.\\n'\n"
	"        '\\n'\n"
	"        'To lift this constraint anyway (the reason is recorded in the environment):\\n'\n"
	"        '  pinfold unlock %s --reason \"why you need it\"\\n' % (tool, ' '.join(args), root, root))\n"
	"    sys.stderr.flush()\n"
	"    raise SystemExit(1)\n"
	"\n"
	"\n"
	"class _PinfoldGuard:\n"
	"    @staticmethod\n"
	"    def find_spec(name, path=None, target=None):\n"
	"        cmd = _REFUSED.get(name)\n"
	"        if cmd is not None:\n"
	"            _refuse(cmd)\n"
	"        return None\n"
	"\n"
	"\n"
	"if not any(getattr(f, '__name__', '') == '_PinfoldGuard' for f in sys.meta_path):\n"
	"    sys.meta_path.insert(0, _PinfoldGuard)\n";

static const char py_pth[] = "import _pinfold_guard\n";
/*
 * Not a constraint (it stays after unlock): the environment is verified
 * against its manifest, so Python must not add __pycache__ files to it.
 * Its name sorts before every other .pth (site.py runs them in order), so no
 * module a .pth imports is compiled to the environment first.
 */
static const char py_nopyc_pth[] = "import sys; sys.dont_write_bytecode = True\n";

/*
 * Sourced by bin/activate with the environment's root in $PINFOLD_ENV (or
 * $VIRTUAL_ENV). Environment variables beat the user's own pip and npm
 * configuration, so settings such as PIP_FIND_LINKS cannot reopen installs.
 * _pf_deactivate_constraints (called by bin/activate's deactivate when it
 * exists) restores what the shell had.
 */
#define PF_CONSTRAINT_VARS "PIP_CONSTRAINT PIP_NO_INDEX PIP_REQUIRE_HASHES PIP_FIND_LINKS PIP_INDEX_URL " \
	"PIP_EXTRA_INDEX_URL npm_config_globalconfig npm_config_offline npm_config_yes npm_config_registry"
static const char activate_constraints[] =
	"# pinfold: install constraints for this environment (sourced by bin/activate).\n"
	"# Removed by 'pinfold unlock ENV --reason TEXT'.\n"
	"pf_root=${PINFOLD_ENV:-${VIRTUAL_ENV:-}}\n"
	"if [ -n \"$pf_root\" ] && [ -z \"${_PF_CONSTRAINTS_ON:-}\" ]; then\n"
	"\t# Keep what the shell had so that deactivate can put it back.\n"
	"\t_PF_CONSTRAINTS_ON=1\n"
	"\tfor pf_v in " PF_CONSTRAINT_VARS "; do\n"
	"\t\teval \"[ -z \\\"\\${$pf_v+x}\\\" ] || _PF_SAVED_$pf_v=\\$$pf_v\"\n"
	"\tdone\n"
	"\t_pf_deactivate_constraints() {\n"
	"\t\tfor pf_v in " PF_CONSTRAINT_VARS "; do\n"
	"\t\t\tunset $pf_v\n"
	"\t\t\teval \"[ -z \\\"\\${_PF_SAVED_$pf_v+x}\\\" ] || { $pf_v=\\$_PF_SAVED_$pf_v; export $pf_v; }\"\n"
	"\t\t\tunset _PF_SAVED_$pf_v\n"
	"\t\tdone\n"
	"\t\tunset _PF_CONSTRAINTS_ON pf_v\n"
	"\t\tunset -f _pf_deactivate_constraints\n"
	"\t}\n"
	"\texport PIP_CONSTRAINT=\"$pf_root/.pinfold/constraints.txt\" PIP_NO_INDEX=1 PIP_REQUIRE_HASHES=1\n"
	"\tunset PIP_FIND_LINKS PIP_INDEX_URL PIP_EXTRA_INDEX_URL\n"
	"\texport npm_config_globalconfig=\"$pf_root/etc/npmrc\" npm_config_offline=true npm_config_yes=false\n"
	"\texport npm_config_registry=https://vetted-packages-only.invalid/\n"
	"fi\n"
	"unset pf_root pf_v\n";

/*
 * Sourced by bin/activate: warns about packages of this environment that
 * the newest locally saved, verified advisories revoke. Never uses the
 * network and never fails activation. With pinfold on PATH it runs
 * `pinfold audit --offline`, which re-verifies the saved advisories; without
 * it, it reads the index pinfold keeps next to them
 * ($STATE/saved-advisories/NAME/index.tsv) and matches this environment's
 * package list, embedded below. Both sides carry the same normalised form
 * (solve_match_key: the ecosystem's normalised name and the version's
 * comparison key), so "1.0" in an advisory matches a locked "1.0.0" here as
 * in `pinfold audit`. An index written before that form existed (six
 * columns) is matched by exact strings. The state directory is found as
 * pinfold finds it, never in a shared place such as /tmp.
 */
static const char activate_advisories_head[] =
	"# pinfold: warn at activation about revoked packages (sourced by bin/activate).\n"
	"# Uses only advisories already verified and saved in the state directory.\n"
	"pf_root=${PINFOLD_ENV:-${VIRTUAL_ENV:-}}\n"
	"pf_state=${PINFOLD_STATE_DIR:-}\n"
	"if [ -z \"$pf_state\" ]; then\n"
	"\tcase ${XDG_STATE_HOME:-} in\n"
	"\t/*) pf_state=$XDG_STATE_HOME/pinfold ;;\n"
	"\t*) case ${HOME:-} in /*) pf_state=$HOME/.local/state/pinfold ;; esac ;;\n"
	"\tesac\n"
	"fi\n"
	"pf_out=\n"
	"pf_rc=3\n"
	"if [ -n \"$pf_root\" ] && command -v pinfold >/dev/null 2>&1; then\n"
	"\tpf_out=$(pinfold -q audit --offline \"$pf_root\" 2>/dev/null)\n"
	"\tpf_rc=$?\n"
	"fi\n"
	"# 0: clean; 1 with output: affected; anything else (no pinfold, no saved copy, a key this\n"
	"# pinfold does not trust): fall back to the index.\n"
	"if [ \"$pf_rc\" -eq 1 ] && [ -z \"$pf_out\" ]; then pf_rc=3; fi\n"
	"# Like pinfold, trust only a state directory of our own that nobody else can write.\n"
	"if [ -n \"$pf_state\" ] && { [ ! -O \"$pf_state\" ] ||\n"
	"\t[ -n \"$(find \"$pf_state\" -maxdepth 0 -perm /022 2>/dev/null)\" ]; }; then pf_state=; fi\n"
	"if [ \"$pf_rc\" -ne 0 ] && [ \"$pf_rc\" -ne 1 ] && [ -n \"$pf_state\" ] && [ -d \"$pf_state/saved-advisories\" ]; then\n"
	"\t# No usable pinfold: the saved index (ECO NAME VERSION ID SEVERITY REASON NORMNAME KEY)\n"
	"\t# against this environment's packages (ECO NAME VERSION NORMNAME KEY).\n"
	"\tpf_out=$(LC_ALL=C awk -F '\\t' 'FNR == NR { want[$1 \"\\t\" $4 \"\\t\" $5] = $2 \"\\t\" $3;\n"
	"\t\t\texact[$1 \"\\t\" $2 \"\\t\" $3] = 1; next }\n"
	"\t\t{ k = NF >= 8 ? $1 \"\\t\" $7 \"\\t\" $8 : \"\"; x = $1 \"\\t\" $2 \"\\t\" $3 }\n"
	"\t\tNF >= 8 && (k in want) && !seen[k \"\\t\" $4]++ { split(want[k], p, \"\\t\");\n"
	"\t\t\tprintf \"%s:%s %s: revoked by %s (%s): %s\\n\", $1, p[1], p[2], $4, $5, $6 }\n"
	"\t\tNF < 8 && (x in exact) && !seen[x \"\\t\" $4]++ {\n"
	"\t\t\tprintf \"%s:%s %s: revoked by %s (%s): %s\\n\", $1, $2, $3, $4, $5, $6 }' - \\\n"
	"\t\t\"$pf_state\"/saved-advisories/*/index.tsv 2>/dev/null <<'PF_PACKAGES'\n";

static const char activate_advisories_tail[] =
	"PF_PACKAGES\n"
	")\n"
	"\t[ -n \"$pf_out\" ] && pf_rc=1\n"
	"fi\n"
	"if [ \"$pf_rc\" -eq 1 ] && [ -n \"$pf_out\" ]; then\n"
	"\techo \"pinfold: warning: this environment contains packages that signed advisories revoke:\" >&2\n"
	"\tprintf '%s\\n' \"$pf_out\" | sed 's/^/pinfold: warning:   /' >&2\n"
	"\techo \"pinfold: warning: run 'pinfold audit $pf_root' for details\" >&2\n"
	"fi\n"
	"unset pf_root pf_state pf_out pf_rc\n";

/* A file to write: path relative to root, contents, mode, constraint or not. */
struct cfile {
	char *rel;
	struct pf_buf data;
	mode_t mode;
	int constraint;
};

struct cset {
	struct cfile *v;
	size_t n, cap;
};

static struct pf_buf *cset_add(struct cset *s, char *rel, mode_t mode, int constraint)
{
	struct cfile *f;

	PF_GROW(s->v, s->n + 1, s->cap);
	f = &s->v[s->n++];
	memset(f, 0, sizeof *f);
	f->rel = rel;
	f->mode = mode;
	f->constraint = constraint;
	return &f->data;
}

static void cset_release(struct cset *s)
{
	for (size_t i = 0; i < s->n; i++) {
		free(s->v[i].rel);
		pf_buf_release(&s->v[i].data);
	}
	free(s->v);
}

/* Names of real python3.* directories under root/lib that hold a site-packages, sorted. */
static void python_dirs(const char *root, struct pf_strv *out)
{
	char *lib = pf_path_join(root, "lib");
	DIR *d = opendir(lib);
	struct dirent *de;

	while (d && (de = readdir(d))) {
		char *sp;
		struct stat st;

		if (strncmp(de->d_name, "python3", 7))
			continue;
		sp = pf_xasprintf("%s/%s/site-packages", lib, de->d_name);
		if (!lstat(sp, &st) && S_ISDIR(st.st_mode)) {
			char *pd = pf_xasprintf("%s/%s", lib, de->d_name);

			if (!lstat(pd, &st) && S_ISDIR(st.st_mode))
				pf_strv_push(out, de->d_name);
			free(pd);
		}
		free(sp);
	}
	if (d)
		closedir(d);
	free(lib);
	pf_strv_sort(out);
}

static int cfile_cmp(const void *a, const void *b)
{
	return strcmp(((const struct cfile *)a)->rel, ((const struct cfile *)b)->rel);
}

static void policy_write(const struct lockfile *l, const struct cset *s, struct pf_buf *out)
{
	struct pf_yw w = { PF_ARENA_INIT };
	struct pf_ynode *root = pf_yw_map(&w), *lock = pf_yw_map(&w), *files = pf_yw_seq(&w);
	static const char *const guards[] = { "npm", "npx", "pip", "pip3" };

	pf_yw_set_str(&w, root, "format", INSTALL_POLICY_FORMAT);
	pf_yw_set_str(&w, root, "state", "locked");
	if (l->sha256[0])
		pf_yw_set_str(&w, lock, "sha256", l->sha256);
	pf_yw_set_str(&w, lock, "image", l->image_name);
	pf_yw_set_str(&w, lock, "catalog", l->catalog_name);
	pf_yw_set_int(&w, lock, "catalog_version", l->catalog_version);
	pf_yw_set(&w, root, "lock", lock);
	pf_yw_set_int(&w, root, "min_age_days", l->min_age_days);
	pf_yw_set_str(&w, root, "age_cutoff", l->age_cutoff);
	pf_yw_set(&w, root, "guards", pf_yw_strlist(&w, guards, sizeof guards / sizeof *guards));
	pf_yw_set_str(&w, root, "unlock", "pinfold unlock ENV --reason TEXT");
	for (size_t i = 0; i < s->n; i++)
		if (s->v[i].constraint)
			pf_yw_push(&w, files, pf_yw_str(&w, s->v[i].rel));
	pf_yw_set(&w, root, "constraint_files", files);
	pf_yaml_emit(root, out);
	pf_yw_release(&w);
}

static int write_cfile(const char *root, const struct cfile *f, struct pf_err *e)
{
	char *path = pf_path_join(root, f->rel);
	char *dir = pf_dirname(path);
	int rc;

	rc = pf_mkdir_p(dir, 0755, e);
	if (!rc)
		rc = pf_write_file(path, f->data.p ? f->data.p : "", f->data.len, f->mode, e);
	free(dir);
	free(path);
	return rc;
}

void install_constraints_env(const char *root, struct pf_strv *out)
{
	const char *sep = root[0] && root[strlen(root) - 1] == '/' ? "" : "/";

	pf_strv_push_owned(out, pf_xasprintf("PIP_CONSTRAINT=%s%s.pinfold/constraints.txt", root, sep));
	pf_strv_push(out, "PIP_NO_INDEX=1");
	pf_strv_push(out, "PIP_REQUIRE_HASHES=1");
	pf_strv_push_owned(out, pf_xasprintf("npm_config_globalconfig=%s%setc/npmrc", root, sep));
	pf_strv_push(out, "npm_config_offline=true");
	pf_strv_push(out, "npm_config_yes=false");
	pf_strv_push(out, "npm_config_registry=https://vetted-packages-only.invalid/");
}

int install_constraints(const char *root, const struct lockfile *l, struct pf_err *e)
{
	/* The guards and settings that do not depend on the lock. */
	static const struct {
		const char *rel;
		mode_t mode;
		const char *text;
	} fixed[] = {
		{ "bin/pip", 0755, pip_guard },
		{ "bin/pip3", 0755, pip_guard },
		{ "bin/npm", 0755, npm_guard },
		{ "bin/npx", 0755, npx_guard },
		{ "etc/npmrc", 0644, npmrc },
		{ ".pinfold/activate.d/constraints.sh", 0644, activate_constraints },
	};
	struct cset s = { NULL, 0, 0 };
	struct pf_strv py = PF_STRV_INIT;
	struct pf_buf *b, policy = PF_BUF_INIT;
	char *path = NULL;
	int rc = 0;

	if (!pf_is_dir(root))
		return pf_error(e, PF_ENOTFOUND, "'%s': not a directory", root);

	b = cset_add(&s, pf_xstrdup("pip.conf"), 0644, 1);
	pf_buf_adds(b, pip_conf);

	b = cset_add(&s, pf_xstrdup(".pinfold/constraints.txt"), 0644, 1);
	pf_buf_adds(b, "# pinfold: the locked Python packages; pip may install nothing else.\n");
	for (size_t i = 0; i < l->npkgs; i++) {
		const struct lock_pkg *p = &l->pkgs[i];

		if (strcmp(p->ecosystem, "pypi"))
			continue;
		pf_buf_addf(b, "%s==%s --hash=sha256:%s\n", p->name, p->version, p->artifact.sha256);
	}

	python_dirs(root, &py);
	for (size_t i = 0; i < py.n; i++) {
		b = cset_add(&s, pf_xasprintf("lib/%s/site-packages/_pinfold_guard.py", py.v[i]), 0644, 1);
		pf_buf_adds(b, py_guard);
		b = cset_add(&s, pf_xasprintf("lib/%s/site-packages/_pinfold_guard.pth", py.v[i]), 0644, 1);
		pf_buf_adds(b, py_pth);
		b = cset_add(&s, pf_xasprintf("lib/%s/site-packages/00-pinfold-nopyc.pth", py.v[i]), 0644, 0);
		pf_buf_adds(b, py_nopyc_pth);
	}

	for (size_t i = 0; i < sizeof fixed / sizeof *fixed; i++)
		pf_buf_adds(cset_add(&s, pf_xstrdup(fixed[i].rel), fixed[i].mode, 1), fixed[i].text);

	b = cset_add(&s, pf_xstrdup(INSTALL_ADVISORIES_HOOK), 0644, 0);
	pf_buf_adds(b, activate_advisories_head);
	for (size_t i = 0; i < l->npkgs; i++) {
		const struct lock_pkg *p = &l->pkgs[i];

		/* Names and versions from a verified lock never hold tabs or newlines. */
		if (strpbrk(p->ecosystem, "\t\n") || strpbrk(p->name, "\t\n") || strpbrk(p->version, "\t\n") ||
		    !strcmp(p->name, "PF_PACKAGES"))
			continue;
		pf_buf_addf(b, "%s\t%s\t%s\t", p->ecosystem, p->name, p->version);
		solve_match_key(p->ecosystem, p->name, p->version, b);
		pf_buf_addc(b, '\n');
	}
	pf_buf_adds(b, activate_advisories_tail);

	pf_qsort(s.v, s.n, sizeof *s.v, cfile_cmp);
	for (size_t i = 0; i < s.n && !rc; i++)
		rc = write_cfile(root, &s.v[i], e);
	if (rc)
		goto out;

	policy_write(l, &s, &policy);
	path = pf_path_join(root, INSTALL_POLICY_PATH);
	rc = pf_write_file(path, policy.p, policy.len, 0644, e);
out:
	free(path);
	pf_buf_release(&policy);
	pf_strv_release(&py);
	cset_release(&s);
	return rc;
}

/* ---- state and unlock ---- */

/* A relative path that cannot leave root: no '/', '..', '.', empty parts or backslashes. */
static int relpath_ok(const char *s)
{
	const char *p = s;

	if (!*s || *s == '/' || strlen(s) > 1024 || strchr(s, '\\'))
		return 0;
	for (const unsigned char *c = (const unsigned char *)s; *c; c++)
		if (*c < 0x20 || *c == 0x7f)
			return 0;
	while (*p) {
		size_t n = strcspn(p, "/");

		if (n == 0 || (n == 1 && p[0] == '.') || (n == 2 && p[0] == '.' && p[1] == '.'))
			return 0;
		p += n;
		if (*p == '/' && !*++p)
			return 0;
	}
	return 1;
}

static int read_list(struct pf_ydoc *d, const struct pf_ynode *map, const char *key, struct pf_strv *out,
		     struct pf_err *e)
{
	const char **v = NULL;
	size_t n = 0;
	int rc;

	rc = pf_y_strlist(d, map, key, &v, &n, e);
	if (rc)
		return rc;
	for (size_t i = 0; i < n; i++) {
		if (!relpath_ok(v[i]))
			return pf_y_fail(d, pf_y_get(map, key), e, PF_EFORMAT,
					 "%s: '%s' is not a safe relative path", key, v[i]);
		if (i && strcmp(v[i - 1], v[i]) >= 0)
			return pf_y_fail(d, pf_y_get(map, key), e, PF_EFORMAT,
					 "%s: not sorted or has duplicates at '%s'", key, v[i]);
		pf_strv_push(out, v[i]);
	}
	return 0;
}

/* One of the two records under .pinfold/: where it lives, its keys and the format and state it must name. */
struct record_kind {
	const char *rel;		/* below the environment root */
	const char *what;		/* map name in errors */
	const char *empty;		/* error for an empty file */
	const char *format, *state;
	const char *const *allowed, *const *required;
};

/*
 * Load root/k->rel strictly: a map of k's keys whose 'format' and 'state' are
 * k's. 1 when the file does not exist. The caller releases d either way.
 */
static int load_record(const char *root, const struct record_kind *k, struct pf_ydoc *d, struct pf_err *e)
{
	char *path = pf_path_join(root, k->rel);
	const char *fmt = NULL, *state = NULL;
	struct stat st;
	int rc;

	memset(d, 0, sizeof *d);
	if (lstat(path, &st) < 0 && errno == ENOENT) {
		free(path);
		return 1;
	}
	rc = pf_yaml_load(d, path, PF_MAX_SMALL, e);
	free(path);
	if (rc)
		return rc;
	if (!d->root)
		return pf_y_fail(d, NULL, e, PF_EFORMAT, "%s", k->empty);
	rc = pf_y_check_map(d, d->root, k->what, k->allowed, k->required, e);
	if (!rc)
		rc = pf_y_str(d, d->root, "format", &fmt, e);
	if (!rc)
		rc = pf_y_str(d, d->root, "state", &state, e);
	if (rc)
		return rc;
	if (strcmp(fmt, k->format))
		return pf_y_fail(d, pf_y_get(d->root, "format"), e, PF_EFORMAT, "format: expected %s", k->format);
	if (strcmp(state, k->state))
		return pf_y_fail(d, pf_y_get(d->root, "state"), e, PF_EFORMAT, "state: expected %s", k->state);
	return 0;
}

static int read_policy(const char *root, struct install_cstate *s, struct pf_err *e)
{
	static const char *const allowed[] = {
		"format", "state", "lock", "min_age_days", "age_cutoff", "guards", "unlock",
		"constraint_files", NULL
	};
	static const char *const required[] = { "format", "state", "constraint_files", NULL };
	static const struct record_kind k = {
		INSTALL_POLICY_PATH, "policy", "empty policy file", INSTALL_POLICY_FORMAT, "locked",
		allowed, required,
	};
	struct pf_ydoc d;
	int rc;

	rc = load_record(root, &k, &d, e);
	if (!rc)
		rc = read_list(&d, d.root, "constraint_files", &s->constraint_files, e);
	if (!rc) {
		s->has_policy = 1;
		s->state_buf = pf_xstrdup(k.state);
		s->state = s->state_buf;
	}
	pf_ydoc_release(&d);
	return rc == 1 ? 0 : rc;
}

static int read_unlocked(const char *root, struct install_cstate *s, struct pf_err *e)
{
	static const char *const allowed[] = {
		"format", "state", "by", "at", "reason", "removed", "missing", NULL
	};
	static const char *const required[] = { "format", "state", "by", "at", "reason", "removed", NULL };
	static const struct record_kind k = {
		INSTALL_UNLOCKED_PATH, "unlock record", "empty unlock record", INSTALL_UNLOCK_FORMAT, "unlocked",
		allowed, required,
	};
	struct pf_ydoc d;
	const char *by = NULL, *at = NULL, *reason = NULL;
	time_t t;
	int rc;

	rc = load_record(root, &k, &d, e);
	if (rc)
		goto out;
	rc = pf_y_str(&d, d.root, "by", &by, e);
	if (!rc)
		rc = pf_y_str(&d, d.root, "at", &at, e);
	if (!rc)
		rc = pf_y_str(&d, d.root, "reason", &reason, e);
	if (rc)
		goto out;
	if (pf_time_parse(at, &t) < 0) {
		rc = pf_y_fail(&d, pf_y_get(d.root, "at"), e, PF_EFORMAT, "at: not an RFC 3339 time");
		goto out;
	}
	if (!*reason || !*by) {
		rc = pf_y_fail(&d, pf_y_get(d.root, *reason ? "by" : "reason"), e, PF_EFORMAT, "must not be empty");
		goto out;
	}
	rc = read_list(&d, d.root, "removed", &s->removed, e);
	if (!rc)
		rc = read_list(&d, d.root, "missing", &s->missing, e);
	if (rc)
		goto out;
	s->by = pf_xstrdup(by);
	s->at = pf_xstrdup(at);
	s->reason = pf_xstrdup(reason);
	s->unlocked = 1;
out:
	pf_ydoc_release(&d);
	return rc == 1 ? 0 : rc;
}

int install_constraints_state(const char *root, struct install_cstate *s, struct pf_err *e)
{
	int rc;

	memset(s, 0, sizeof *s);
	rc = read_policy(root, s, e);
	if (!rc)
		rc = read_unlocked(root, s, e);
	return rc;
}

int install_cstate_is_constraint(const struct install_cstate *s, const char *relpath)
{
	return pf_strv_contains(&s->constraint_files, relpath);
}

void install_cstate_release(struct install_cstate *s)
{
	if (!s)
		return;
	pf_strv_release(&s->constraint_files);
	pf_strv_release(&s->removed);
	pf_strv_release(&s->missing);
	free(s->by);
	free(s->at);
	free(s->reason);
	free(s->state_buf);
	memset(s, 0, sizeof *s);
}

/*
 * Remove root/rel without following a symlink in any component: each
 * directory is opened O_NOFOLLOW below the previous one. *gone is set when
 * the file was not there.
 */
static int unlink_beneath(const char *root, const char *rel, int *gone, struct pf_err *e)
{
	char *copy = pf_xstrdup(rel), *p = copy, *slash;
	int dfd, rc = 0;
	struct stat st;

	*gone = 0;
	dfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0) {
		rc = pf_error(e, PF_EIO, "'%s': cannot open: %s", root, strerror(errno));
		goto out;
	}
	while ((slash = strchr(p, '/'))) {
		int nfd;

		*slash = '\0';
		nfd = openat(dfd, p, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (nfd < 0 && errno == ENOENT) {
			*gone = 1;
			goto out;
		}
		if (nfd < 0) {
			rc = pf_error(e, PF_EUNSAFE, "'%s/%s': refusing to remove: '%s' is not a plain directory",
				      root, rel, p);
			goto out;
		}
		close(dfd);
		dfd = nfd;
		p = slash + 1;
	}
	if (fstatat(dfd, p, &st, AT_SYMLINK_NOFOLLOW) < 0) {
		if (errno == ENOENT)
			*gone = 1;
		else
			rc = pf_error(e, PF_EIO, "'%s/%s': %s", root, rel, strerror(errno));
		goto out;
	}
	if (S_ISDIR(st.st_mode)) {
		rc = pf_error(e, PF_EUNSAFE, "'%s/%s': refusing to remove a directory", root, rel);
		goto out;
	}
	if (unlinkat(dfd, p, 0) < 0)
		rc = pf_error(e, PF_EIO, "'%s/%s': cannot remove: %s", root, rel, strerror(errno));
out:
	if (dfd >= 0)
		close(dfd);
	free(copy);
	return rc;
}

int install_unlock(const char *root, const char *by, const char *reason, time_t now, struct install_cstate *out,
		   struct pf_err *e)
{
	struct install_cstate s;
	struct pf_strv removed = PF_STRV_INIT, missing = PF_STRV_INIT;
	struct pf_yw w = { PF_ARENA_INIT };
	struct pf_ynode *doc;
	struct pf_buf buf = PF_BUF_INIT;
	char at[PF_TIME_STR];
	char *dot = NULL, *path = NULL;
	struct stat st;
	int rc;

	if (!reason || !*reason)
		return pf_error(e, PF_EUSAGE, "unlock: a reason is required");
	rc = install_constraints_state(root, &s, e);
	if (rc)
		goto out;
	if (!s.has_policy) {
		rc = pf_error(e, PF_ENOTFOUND, "'%s': not a pinfold environment (no %s)", root,
			      INSTALL_POLICY_PATH);
		goto out;
	}
	if (s.unlocked) {
		rc = pf_error(e, PF_EEXIST, "'%s': already unlocked by %s at %s: %s", root, s.by, s.at, s.reason);
		goto out;
	}
	dot = pf_path_join(root, ".pinfold");
	if (lstat(dot, &st) < 0 || !S_ISDIR(st.st_mode)) {
		rc = pf_error(e, PF_EUNSAFE, "'%s': not a plain directory", dot);
		goto out;
	}
	for (size_t i = 0; i < s.constraint_files.n; i++) {
		int gone;

		rc = unlink_beneath(root, s.constraint_files.v[i], &gone, e);
		if (rc)
			goto out;
		pf_strv_push(gone ? &missing : &removed, s.constraint_files.v[i]);
	}
	pf_time_format(now, at);
	doc = pf_yw_map(&w);
	pf_yw_set_str(&w, doc, "format", INSTALL_UNLOCK_FORMAT);
	pf_yw_set_str(&w, doc, "state", "unlocked");
	pf_yw_set_str(&w, doc, "by", by && *by ? by : "unknown");
	pf_yw_set_raw(&w, doc, "at", at);
	pf_yw_set_str(&w, doc, "reason", reason);
	pf_yw_set(&w, doc, "removed", pf_yw_strlist(&w, (const char *const *)removed.v, removed.n));
	if (missing.n)
		pf_yw_set(&w, doc, "missing", pf_yw_strlist(&w, (const char *const *)missing.v, missing.n));
	pf_yaml_emit(doc, &buf);
	path = pf_path_join(root, INSTALL_UNLOCKED_PATH);
	rc = pf_write_file(path, buf.p, buf.len, 0644, e);
	if (rc)
		goto out;
	install_cstate_release(&s);
	rc = install_constraints_state(root, &s, e);
out:
	if (out && (!rc || rc == -PF_EEXIST)) {
		*out = s;
		memset(&s, 0, sizeof s);
	}
	install_cstate_release(&s);
	pf_strv_release(&removed);
	pf_strv_release(&missing);
	pf_yw_release(&w);
	pf_buf_release(&buf);
	free(dot);
	free(path);
	return rc;
}
