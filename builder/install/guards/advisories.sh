# pinfold: warn at activation about revoked packages (sourced by bin/activate).
# Uses only advisories already verified and saved in the state directory.
pf_root=${PINFOLD_ENV:-${VIRTUAL_ENV:-}}
pf_state=${PINFOLD_STATE_DIR:-}
if [ -z "$pf_state" ]; then
	case ${XDG_STATE_HOME:-} in
	/*) pf_state=$XDG_STATE_HOME/pinfold ;;
	*) case ${HOME:-} in /*) pf_state=$HOME/.local/state/pinfold ;; esac ;;
	esac
fi
pf_out=
pf_rc=3
if [ -n "$pf_root" ] && command -v pinfold >/dev/null 2>&1; then
	# the registry of used environments (audit --all, the daily watch); only its notice is shown
	pf_out=$(pinfold -q registry touch --how activate "$pf_root" 2>&1 >/dev/null)
	case $pf_out in "pinfold: notice:"*) printf '%s\n' "$pf_out" >&2 ;; esac
	pf_out=$(pinfold -q audit --offline "$pf_root" 2>/dev/null)
	pf_rc=$?
fi
# 0: clean; 1 with output: affected; anything else (no pinfold, no saved copy, a key this
# pinfold does not trust): fall back to the index.
if [ "$pf_rc" -eq 1 ] && [ -z "$pf_out" ]; then pf_rc=3; fi
# Like pinfold, trust only a state directory of our own that nobody else can write.
if [ -n "$pf_state" ] && { [ ! -O "$pf_state" ] ||
	[ -n "$(find "$pf_state" -maxdepth 0 -perm /022 2>/dev/null)" ]; }; then pf_state=; fi
if [ "$pf_rc" -ne 0 ] && [ "$pf_rc" -ne 1 ] && [ -n "$pf_state" ] && [ -d "$pf_state/saved-advisories" ]; then
	# No usable pinfold: the saved index (ECO NAME VERSION ID SEVERITY REASON NORMNAME KEY)
	# against this environment's packages (ECO NAME VERSION NORMNAME KEY); an index of six
	# columns (older pinfold) by exact strings. Only regular files are read (a FIFO would
	# hang activation); 'set --' stays in this subshell.
	pf_out=$(set --; for pf_i in "$pf_state"/saved-advisories/*/index.tsv; do
		[ -f "$pf_i" ] && [ ! -p "$pf_i" ] && set -- "$@" "$pf_i"; done
		[ $# -gt 0 ] || exit 0
		LC_ALL=C awk -F '\t' 'FNR == NR { want[$1 "\t" $4 "\t" $5] = $2 "\t" $3;
			exact[$1 "\t" $2 "\t" $3] = 1; next }
		{ k = NF >= 8 ? $1 "\t" $7 "\t" $8 : ""; x = $1 "\t" $2 "\t" $3 }
		NF >= 8 && (k in want) && !seen[k "\t" $4]++ { split(want[k], p, "\t");
			printf "%s:%s %s: revoked by %s (%s): %s\n", $1, p[1], p[2], $4, $5, $6 }
		NF < 8 && (x in exact) && !seen[x "\t" $4]++ {
			printf "%s:%s %s: revoked by %s (%s): %s\n", $1, $2, $3, $4, $5, $6 }' - "$@" \
		2>/dev/null <<'PF_PACKAGES'
@PF_PACKAGES@
PF_PACKAGES
)
	[ -n "$pf_out" ] && pf_rc=1
fi
if [ "$pf_rc" -eq 1 ] && [ -n "$pf_out" ]; then
	echo "pinfold: warning: this environment contains packages that signed advisories revoke:" >&2
	printf '%s\n' "$pf_out" | sed 's/^/pinfold: warning:   /' >&2
	echo "pinfold: warning: run 'pinfold audit $pf_root' for details" >&2
fi
unset pf_root pf_state pf_out pf_rc
