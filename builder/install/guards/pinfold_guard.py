# SPDX-License-Identifier: MIT
# pinfold guard: pip in this vetted environment installs nothing. It reads pip's command line
# with pip's own parser, says so when every requirement is already met by a vetted package,
# and refuses everything else with the one explanation (.pinfold/refusal.txt).
# Imported at start-up by _pinfold_guard.pth; removed by 'pinfold unlock ENV --reason TEXT'.
import sys

_LAYOUT = '@PF_LAYOUT@'
_FIXED_ROOT = None  # the environment's root, in the copies made for venvs created from it

# pip imports these command modules only to run them: fetching packages is all they do.
_REFUSED = {
    'pip._internal.commands.download': 'download',
    'pip._internal.commands.wheel': 'wheel',
}


class _Refusal(Exception):
    pass


def _root():
    import os
    if _FIXED_ROOT:
        return _FIXED_ROOT
    d = os.path.dirname(os.path.realpath(__file__))
    for _ in range(5 if _LAYOUT == 'self-contained' else 3):
        d = os.path.dirname(d)
    return d


def _join(root, *parts):
    import os
    return os.path.join(root, *parts)


def _command_line(cmd):
    import os
    tool = os.path.basename(sys.argv[0] if sys.argv else '')
    if not tool.startswith('pip') or tool.endswith('.py'):
        tool = 'python -m pip'
    args = list(sys.argv[1:])
    if cmd and cmd not in args:
        args = [cmd] + args
    return ' '.join([tool] + args)


def _print_refusal(command, detail):
    """Write the refusal text to stderr with its fields filled in."""
    import re
    import shlex
    root = _root()
    fields = {
        'command': command,
        'root': root,
        'env': shlex.quote(root) if root != '/' else 'ENV',  # the person pastes the unlock command
        'vetted': _join(root, '.pinfold', 'vetted.txt'),
    }
    try:
        with open(_join(root, '.pinfold', 'refusal.txt'), encoding='utf-8') as f:
            text = f.read()
    except OSError:
        text = ("pinfold: refused: '{command}'\n{detail}\n"
                "Only vetted packages are allowed in this environment ({root}).\n")
    out = []
    for line in text.splitlines():
        if line == '{detail}':
            if detail:
                out.append(detail.rstrip('\n'))
            continue
        out.append(re.sub(r'\{(command|root|env|vetted)\}', lambda m: fields[m.group(1)], line))
    sys.stderr.write('\n'.join(out) + '\n')
    sys.stderr.flush()


def _refuse(command, detail):
    _print_refusal(command, detail)
    raise SystemExit(1)


def _vetted_list():
    """(ecosystem, name, version) of every vetted package, from .pinfold/vetted.txt."""
    rows = []
    try:
        with open(_join(_root(), '.pinfold', 'vetted.txt'), encoding='utf-8') as f:
            for line in f:
                parts = line.rstrip('\n').split('\t')
                if len(parts) == 3 and not line.startswith('#'):
                    rows.append(tuple(parts))
    except OSError:
        pass
    return rows


def _package_dirs():
    """The directories of the environment that hold its Python packages (real paths)."""
    import glob
    import os
    root = _root()
    if _LAYOUT == 'self-contained':
        pats = ['usr/local/lib/python3*/dist-packages', 'usr/lib/python3/dist-packages']
    else:
        pats = ['lib/python3*/site-packages', 'usr/lib/python3/dist-packages']
    dirs = []
    for p in pats:
        for d in sorted(glob.glob(_join(root, p))):
            d = os.path.realpath(d)
            if os.path.isdir(d) and d not in dirs:
                dirs.append(d)
    return dirs


def _canon(name):
    import re
    return re.sub(r'[-_.]+', '-', name).lower()


class _Installed:
    """The distributions this Python imports from the environment's own package directories."""

    def __init__(self):
        import importlib.metadata
        import os
        on_path = set(os.path.realpath(p) for p in sys.path if p)
        self.env_dirs = _package_dirs()
        self.dists = {}
        self.elsewhere = {}
        for d in self.env_dirs:
            seen = self.dists if d in on_path else self.elsewhere
            for dist in importlib.metadata.distributions(path=[d]):
                name = dist.metadata['Name']
                if name and _canon(name) not in seen:
                    seen[_canon(name)] = (name, dist.version, d, dist)

    def names(self):
        return sorted(set(v[0] for v in self.dists.values()) |
                      set(v[0] for v in self.elsewhere.values()))


def _closest(inst, req, name):
    """Why req is not met, naming the closest vetted version when there is one."""
    import difflib
    key = _canon(name)
    if key in inst.dists:
        have = inst.dists[key]
        return "%s: not vetted in that version; the vetted version here is %s %s" % (req, have[0], have[1])
    if key in inst.elsewhere:
        have = inst.elsewhere[key]
        py = '/usr/bin/python3' if _LAYOUT == 'self-contained' else _join(_root(), 'bin', 'python3')
        return ("%s: %s %s is vetted and installed in the environment (%s), but this Python (%s) "
                "does not use the environment's packages; use %s instead of a new venv"
                % (req, have[0], have[1], _root(), sys.prefix, py))
    for eco, vname, version in _vetted_list():
        if eco == 'pypi' and _canon(vname) == key:
            return "%s: the vetted version is %s %s" % (req, vname, version)
    alike = difflib.get_close_matches(name.lower(), [n.lower() for n in inst.names()], n=3, cutoff=0.75)
    hint = " (vetted names that look alike: %s)" % ', '.join(alike) if alike else ''
    return "%s: no version of %s is vetted here%s" % (req, name, hint)


def _met(inst, req, seen):
    """None when req (a packaging Requirement) is met by a vetted package, else why not."""
    from pip._vendor.packaging.requirements import Requirement
    key = _canon(req.name)
    if getattr(req, 'url', None):
        return "%s: a file or URL is not a vetted package" % req
    have = inst.dists.get(key)
    try:
        ok = have is not None and req.specifier.contains(have[1], prereleases=True)
    except ValueError:  # a version that this pip's packaging cannot read
        ok = False
    if not ok:
        return _closest(inst, str(req), req.name)
    for extra in sorted(req.extras):
        if (key, extra) in seen:
            continue
        seen.add((key, extra))
        for line in have[3].requires or []:
            sub = Requirement(line)
            if sub.marker is None or not sub.marker.evaluate({'extra': extra}):
                continue
            why = _met(inst, sub, seen)
            if why:
                return "%s (needed by %s[%s]) %s" % (sub.name, req.name, extra, why.split(': ', 1)[-1])
    return None


class _NoNetwork:
    """A session for pip's requirement-file reader that reads nothing from a URL."""

    def get(self, url, *args, **kwargs):
        raise _Refusal("%s: requirement files from a URL are not read here" % url)


def _install(command, options, args):
    line = _command_line('install')
    problems = []
    for attr, flag in (('target_dir', '--target'), ('prefix_path', '--prefix'), ('root_path', '--root'),
                       ('use_user_site', '--user')):
        if getattr(options, attr, None):
            problems.append("%s: installs packages outside this environment's vetted ones" % flag)
    if getattr(options, 'python', None):
        problems.append("--python runs pip for another Python, outside this environment's guard")
    for flag, attr in (('--force-reinstall', 'force_reinstall'), ('--ignore-installed', 'ignore_installed')):
        if getattr(options, attr, None):
            problems.append("%s: installing again would fetch packages from an index" % flag)
    for e in getattr(options, 'editables', None) or []:
        problems.append("-e %s: an editable install is not a vetted package" % e)
    if problems:
        _print_refusal(line, '\n'.join(problems))
        return 1
    # Constraints narrow what would be installed; nothing is, and PIP_CONSTRAINT (set on
    # activation) is split at spaces by pip, which a path may hold.
    options.constraints = []
    try:
        reqs = command.get_requirements(args, options, None, _NoNetwork())
    except _Refusal as e:
        _print_refusal(line, str(e))
        return 1
    inst = _Installed()
    met, skipped = [], []
    for ireq in reqs:
        if ireq.constraint:
            continue
        if not ireq.match_markers():
            skipped.append(str(ireq.req or ireq))
            continue
        if ireq.req is None or ireq.link is not None:
            problems.append("%s: a file, directory or URL is not a vetted package"
                            % (ireq.link.url if ireq.link is not None else ireq))
            continue
        why = _met(inst, ireq.req, set())
        if why:
            problems.append(why)
        else:
            met.append((str(ireq.req), inst.dists[_canon(ireq.req.name)]))
    if problems:
        _print_refusal(line, '\n'.join(problems))
        return 1
    if getattr(options, 'quiet', 0) < 1:
        for text, (name, version, where, _) in met:
            sys.stdout.write("Requirement already satisfied: %s in %s (%s)\n" % (text, where, version))
        for text in skipped:
            sys.stdout.write("Ignoring %s: markers do not match this environment\n" % text)
        sys.stdout.write("pinfold: every requirement is met by a vetted package already installed in "
                         "this environment; nothing was installed\n")
        sys.stdout.flush()
    return 0


def _uninstall(options, args):
    names = list(args) + ['-r %s' % f for f in getattr(options, 'requirements', None) or []]
    _print_refusal(_command_line('uninstall'),
                   "%s: uninstalling would remove vetted packages; this environment's packages "
                   "are fixed by its lock" % ', '.join(names or ['(nothing named)']))
    return 1


def _patch_main_parser(mod):
    orig = mod.parse_command

    def parse_command(args):
        # pip's own parser (with PIP_PYTHON and pip.conf) on the options before the command.
        general, _ = mod.create_main_parser().parse_args(list(args))
        if getattr(general, 'python', None):
            _refuse(_command_line(None), "--python runs pip for another Python, outside this environment's guard")
        return orig(args)

    mod.parse_command = parse_command


def _patch_install(mod):
    def run(self, options, args):
        return _install(self, options, args)

    mod.InstallCommand.run = run


def _patch_uninstall(mod):
    def run(self, options, args):
        return _uninstall(options, args)

    mod.UninstallCommand.run = run


def _guard_venv(env_dir):
    """Give a venv created from this environment's Python the same guard and pip settings."""
    import os
    here = os.path.dirname(os.path.realpath(__file__))
    site = os.path.join(env_dir, 'lib', 'python%d.%d' % sys.version_info[:2], 'site-packages')
    if not os.path.isdir(site):
        return
    with open(os.path.realpath(__file__), encoding='utf-8') as f:
        src = f.read()
    src = src.replace('\n_FIXED_ROOT = None ', '\n_FIXED_ROOT = %r ' % _root(), 1)
    try:
        with open(os.path.join(here, '_pinfold_guard.pth'), encoding='utf-8') as f:
            pth = f.read()
    except OSError:
        pth = 'import _pinfold_guard\n'
    conf = None
    for c in (_join(_root(), 'usr', 'pip.conf'), _join(_root(), 'pip.conf'), os.path.join(sys.prefix, 'pip.conf')):
        try:
            with open(c, encoding='utf-8') as f:
                conf = f.read()
            break
        except OSError:
            pass
    for path, text in ((os.path.join(site, '_pinfold_guard.py'), src),
                       (os.path.join(site, '_pinfold_guard.pth'), pth),
                       (os.path.join(env_dir, 'pip.conf'), conf or '[global]\nno-index = true\n')):
        with open(path, 'w', encoding='utf-8') as f:
            f.write(text)


def _patch_venv(mod):
    cls = getattr(mod, 'EnvBuilder', None)
    if cls is None:  # some other module called venv
        return
    post_setup, create = cls.post_setup, cls.create

    # post_setup runs before --upgrade-deps asks pip to install anything.
    def guarded_post_setup(self, context):
        post_setup(self, context)
        _guard_venv(context.env_dir)

    def guarded_create(self, env_dir):
        import os
        create(self, env_dir)
        _guard_venv(os.path.abspath(env_dir))

    cls.post_setup = guarded_post_setup
    cls.create = guarded_create


_PATCHES = {
    'pip._internal.cli.main_parser': _patch_main_parser,
    'pip._internal.commands.install': _patch_install,
    'pip._internal.commands.uninstall': _patch_uninstall,
    'venv': _patch_venv,
}


class _Loader:
    """Runs the real loader, then the patch for the module it loaded."""

    def __init__(self, loader, patch):
        self._loader = loader
        self._patch = patch

    def create_module(self, spec):
        return self._loader.create_module(spec)

    def exec_module(self, module):
        self._loader.exec_module(module)
        self._patch(module)

    def __getattr__(self, name):
        return getattr(self._loader, name)


class _PinfoldGuard:
    @classmethod
    def find_spec(cls, name, path=None, target=None):
        cmd = _REFUSED.get(name)
        if cmd is not None:
            _refuse(_command_line(cmd), '')
        patch = _PATCHES.get(name)
        if patch is None:
            return None
        for finder in sys.meta_path:
            if getattr(finder, '__name__', '') == '_PinfoldGuard' or not hasattr(finder, 'find_spec'):
                continue
            spec = finder.find_spec(name, path, target)
            if spec is not None:
                break
        else:
            return None
        if spec.loader is None or not hasattr(spec.loader, 'exec_module'):
            return spec
        spec.loader = _Loader(spec.loader, patch)
        return spec


if not any(getattr(f, '__name__', '') == '_PinfoldGuard' for f in sys.meta_path):
    sys.meta_path.insert(0, _PinfoldGuard)
