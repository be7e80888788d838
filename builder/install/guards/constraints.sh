# pinfold: install constraints for this environment (sourced by bin/activate).
# Removed by 'pinfold unlock ENV --reason TEXT'.
pf_root=${PINFOLD_ENV:-${VIRTUAL_ENV:-}}
if [ -n "$pf_root" ] && [ -z "${_PF_CONSTRAINTS_ON:-}" ]; then
	# Keep what the shell had so that deactivate can put it back.
	_PF_CONSTRAINTS_ON=1
	for pf_v in PIP_CONSTRAINT PIP_NO_INDEX PIP_REQUIRE_HASHES PIP_FIND_LINKS PIP_INDEX_URL PIP_EXTRA_INDEX_URL npm_config_globalconfig npm_config_offline npm_config_yes npm_config_registry; do
		eval "[ -z \"\${$pf_v+x}\" ] || _PF_SAVED_$pf_v=\$$pf_v"
	done
	_pf_deactivate_constraints() {
		for pf_v in PIP_CONSTRAINT PIP_NO_INDEX PIP_REQUIRE_HASHES PIP_FIND_LINKS PIP_INDEX_URL PIP_EXTRA_INDEX_URL npm_config_globalconfig npm_config_offline npm_config_yes npm_config_registry; do
			unset $pf_v
			eval "[ -z \"\${_PF_SAVED_$pf_v+x}\" ] || { $pf_v=\$_PF_SAVED_$pf_v; export $pf_v; }"
			unset _PF_SAVED_$pf_v
		done
		unset _PF_CONSTRAINTS_ON pf_v
		unset -f _pf_deactivate_constraints
	}
	export PIP_CONSTRAINT="$pf_root/.pinfold/constraints.txt" PIP_NO_INDEX=1 PIP_REQUIRE_HASHES=1
	unset PIP_FIND_LINKS PIP_INDEX_URL PIP_EXTRA_INDEX_URL
	export npm_config_globalconfig="$pf_root/etc/npmrc" npm_config_offline=true npm_config_yes=false
	export npm_config_registry=https://vetted-packages-only.invalid/
fi
unset pf_root pf_v
