#!/usr/bin/env node
// SPDX-License-Identifier: MIT
// pinfold guard for npm and npx: reads the command line with npm's own option definitions and
// command table (the real npm's @npmcli/config and lib/utils/cmd-list.js), refuses what would
// fetch, install or remove packages, lets a project install through when every package it asks
// for is vetted and already in this environment, and runs npx only for the environment's own
// commands. Only vetted packages are allowed in this environment; see .pinfold/policy.yaml.
// Removed by 'pinfold unlock ENV --reason TEXT'.
'use strict'

const fs = require('fs')
const path = require('path')
const { createRequire } = require('module')
const { spawnSync } = require('child_process')

const LAYOUT = '@PF_LAYOUT@'
const SC = LAYOUT === 'self-contained'
const SELF = fs.realpathSync(__filename)
const BIN = path.dirname(SELF)
const ROOT = path.resolve(BIN, SC ? '../../..' : '..')
const TOOL = path.basename(process.argv[1] || 'npm') === 'npx' ? 'npx' : 'npm'
const ARGS = process.argv.slice(2)
const at = (...p) => path.join(ROOT, ...p)
const NODE_MODULES = SC ? at('usr/local/lib/node_modules') : at('lib/node_modules')
const BIN_DIRS = SC
  ? [at('usr/local/bin'), at('usr/local/lib/node_modules/.bin'), at('usr/bin')]
  : [at('bin'), at('lib/node_modules/.bin')]
const GLOBALCONFIG = at('etc/npmrc')
const OURS = new Set(['npm', 'npx', 'pip', 'pip3', 'pinfold-vetted', 'activate'])
const NOWHERE = 'https://vetted-packages-only.invalid/'

// Settings that would send npm somewhere else for packages, or let it fetch or say yes.
const GUARDED = new Set(['registry', 'offline', 'prefer-offline', 'prefer-online', 'yes',
  'userconfig', 'globalconfig'])
const guarded = (key) => GUARDED.has(key) || /:registry$/.test(key)

function commandLine () {
  return [TOOL, ...ARGS].join(' ')
}

// The refusal text (.pinfold/refusal.txt) with its fields filled in, on stderr; exit 1.
function refuse (detail) {
  const fields = {
    command: commandLine(),
    root: ROOT,
    // Quoted for the shell when it needs to be: the person pastes the unlock command.
    env: ROOT === '/' ? 'ENV' : /^[\w./+-]+$/.test(ROOT) ? ROOT : `'${ROOT.replace(/'/g, "'\\''")}'`,
    vetted: at('.pinfold', 'vetted.txt'),
  }
  let text
  try {
    text = fs.readFileSync(at('.pinfold', 'refusal.txt'), 'utf8')
  } catch {
    text = "pinfold: refused: '{command}'\n{detail}\nOnly vetted packages are allowed in this environment ({root}).\n"
  }
  const out = []
  for (const line of text.replace(/\n$/, '').split('\n')) {
    if (line === '{detail}') {
      if (detail) {
        out.push(detail.replace(/\n$/, ''))
      }
      continue
    }
    out.push(line.replace(/\{(command|root|env|vetted)\}/g, (m, k) => fields[k]))
  }
  process.stderr.write(out.join('\n') + '\n')
  process.exit(1)
}

function readJSON (file) {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8'))
  } catch (e) {
    if (e.code === 'ENOENT') {
      return null
    }
    refuse(`${file}: cannot be read as JSON (${e.message})`)
  }
}

// The real npm: the environment's own, else (host mode) the first npm on PATH that is not a guard.
function findNpm () {
  const isNpm = (d) => fs.existsSync(path.join(d, 'bin', 'npm-cli.js')) &&
    fs.existsSync(path.join(d, 'lib', 'utils', 'cmd-list.js'))
  const tried = [path.join(NODE_MODULES, 'npm')]
  if (isNpm(tried[0])) {
    return tried[0]
  }
  for (const d of (process.env.PATH || '').split(':')) {
    const f = path.resolve(d || '.', 'npm')
    let real
    try {
      real = fs.realpathSync(f)
      fs.accessSync(real, fs.constants.X_OK)
    } catch {
      continue
    }
    if (real === SELF || path.dirname(real) === BIN) {
      continue
    }
    for (const c of [path.resolve(path.dirname(real), '..'),
      path.resolve(path.dirname(real), '../lib/node_modules/npm')]) {
      tried.push(c)
      if (isNpm(c)) {
        return c
      }
    }
  }
  refuse(`${TOOL}: no npm was found to read its command table (looked in ${tried.join(', ')})`)
}

// npm's own pieces, resolved the way npm resolves them (Debian's npm keeps them elsewhere).
function loadNpm (npmRoot) {
  const req = createRequire(path.join(npmRoot, 'lib', 'npm.js'))
  try {
    const defs = req('@npmcli/config/lib/definitions')
    return {
      root: npmRoot,
      cli: path.join(npmRoot, 'bin', 'npm-cli.js'),
      Config: req('@npmcli/config'),
      defs,
      deref: req('./utils/cmd-list.js').deref,
      semver: req('semver'),
      npa: req('npm-package-arg'),
    }
  } catch (e) {
    refuse(`${TOOL}: cannot read npm's command table in ${npmRoot} (${e.message})`)
  }
}

// argv as npm parses it: nopt with npm's definitions and shorthands (@npmcli/config loadCLI).
function parse (npm, argv) {
  const { definitions, shorthands, flatten, nerfDarts } = npm.defs
  const conf = new npm.Config({
    npmPath: npm.root,
    definitions,
    shorthands,
    flatten,
    nerfDarts: nerfDarts || [],
    argv: [process.execPath, npm.cli, ...argv],
    env: {},
    execPath: process.execPath,
    cwd: process.cwd(),
    warn: false,
  })
  conf.loadCLI()
  const data = conf.data.get('cli').data
  const cli = {}
  for (const k of Object.keys(data)) {
    cli[k] = data[k]
  }
  return { cli, remain: conf.parsedArgv.remain }
}

function refuseFlags (cli, allowYes) {
  const bad = Object.keys(cli).filter((k) => guarded(k) && !(allowYes && k === 'yes'))
  if (bad.length) {
    refuse(bad.map((k) => `--${k}: sets where npm fetches packages from or whether it may; ` +
      'this environment fixes that').join('\n'))
  }
}

// The environment for the real npm: its settings win over the caller's (case-insensitively,
// as npm reads them) and over every npmrc.
function guardEnv () {
  for (const k of Object.keys(process.env)) {
    const m = /^npm_config_(.*)$/i.exec(k)
    if (m && guarded(m[1].toLowerCase().replace(/_/g, '-'))) {
      delete process.env[k]
    }
  }
  Object.assign(process.env, {
    npm_config_globalconfig: GLOBALCONFIG,
    npm_config_offline: 'true',
    npm_config_yes: 'false',
    npm_config_registry: NOWHERE,
    npm_config_audit: 'false',
    npm_config_fund: 'false',
    npm_config_update_notifier: 'false',
  })
}

function runNpm (npm, argv) {
  guardEnv()
  process.argv = [process.argv[0], npm.cli, ...argv]
  require(npm.cli)
}

// ---- what is vetted and installed ----

function vettedList () {
  const rows = []
  let text = ''
  try {
    text = fs.readFileSync(at('.pinfold', 'vetted.txt'), 'utf8')
  } catch {}
  for (const line of text.split('\n')) {
    const f = line.split('\t')
    if (f.length === 3 && !line.startsWith('#')) {
      rows.push({ eco: f[0], name: f[1], version: f[2] })
    }
  }
  return rows
}

// The version of NAME at the top of the environment's node_modules (what a project resolves).
function topVersion (name) {
  const pkg = readJSON(path.join(NODE_MODULES, name, 'package.json'))
  return pkg && typeof pkg.version === 'string' ? pkg.version : null
}

function closest (name, what) {
  const top = topVersion(name)
  const others = vettedList().filter((r) => r.eco === 'npm' && r.name === name && r.version !== top)
  if (top) {
    return `${what}: not vetted; the vetted version here is ${name} ${top}`
  }
  if (others.length) {
    return `${what}: not vetted; ${name} ${others.map((r) => r.version).join(', ')} is vetted here only ` +
      'as a dependency of another package'
  }
  return `${what}: no version of ${name} is vetted here`
}

// null when NAME@RAW is met by the environment's own top-level package, else why not.
function unmet (npm, name, raw, where) {
  let spec
  try {
    spec = name ? npm.npa.resolve(name, raw, where) : npm.npa(raw, where)
  } catch (e) {
    return `${name || raw}: ${e.message}`
  }
  const what = name ? `${name}@${raw}` : raw
  if (spec.type === 'alias') {
    return `${what}: an alias installs a package under another name, which this environment does not have`
  }
  if (!['version', 'range', 'tag'].includes(spec.type)) {
    return `${what}: a ${spec.type} dependency is not a vetted package`
  }
  const have = topVersion(spec.name)
  if (!have || !vettedList().some((r) => r.eco === 'npm' && r.name === spec.name && r.version === have)) {
    return closest(spec.name, what)
  }
  if (spec.type === 'tag' ? spec.fetchSpec !== 'latest'
    : !npm.semver.satisfies(have, spec.fetchSpec, { loose: true })) {
    return closest(spec.name, what)
  }
  return null
}

// ---- npm install / ci in a project ----

function localPrefix () {
  for (let d = process.cwd(); ; d = path.dirname(d)) {
    if (d !== ROOT && fs.existsSync(path.join(d, 'package.json'))) {
      return d
    }
    if (path.dirname(d) === d) {
      return process.cwd()
    }
  }
}

function omitDev (cli) {
  const omit = [].concat(cli.omit || [])
  return omit.includes('dev') || cli.production === true || cli.only === 'prod' ||
    cli.only === 'production' || (!('include' in cli) && process.env.NODE_ENV === 'production')
}

function lockEntries (lock) {
  const out = []
  if (lock.packages && typeof lock.packages === 'object') {
    for (const [key, ent] of Object.entries(lock.packages)) {
      if (key === '' || !ent || ent.inBundle) {
        continue
      }
      const i = key.lastIndexOf('node_modules/')
      out.push({ key, name: ent.name || key.slice(i + 13), top: i === 0 && key.indexOf('/node_modules/') < 0,
        ent, link: !!ent.link })
    }
  } else if (lock.dependencies && typeof lock.dependencies === 'object') {
    const walk = (deps, top) => {
      for (const [name, ent] of Object.entries(deps)) {
        if (!ent || ent.bundled) {
          continue
        }
        out.push({ key: name, name, top, ent, link: false })
        if (ent.dependencies) {
          walk(ent.dependencies, false)
        }
      }
    }
    walk(lock.dependencies, true)
  }
  return out
}

function projectInstall (npm, cmdArg, command, specs, cli) {
  const problems = []
  const notes = []
  const met = []
  const isCi = command === 'ci' || command === 'install-ci-test'
  if (cli.global === true || cli.location === 'global') {
    if (!specs.length) {
      refuse('npm install -g without a package installs this directory as a global package')
    }
  }
  if (cli.workspace || cli.workspaces) {
    refuse('--workspace: npm workspaces are not resolved against the vetted packages')
  }
  const prefix = cli.prefix ? path.resolve(cli.prefix) : localPrefix()
  if (specs.length) {
    for (const s of specs) {
      const why = unmet(npm, null, s, prefix)
      if (why) {
        problems.push(why)
      } else {
        const name = npm.npa(s, prefix).name
        met.push(`${s} -> ${name} ${topVersion(name)}`)
      }
    }
  } else {
    const pkg = readJSON(path.join(prefix, 'package.json'))
    const lockFile = ['npm-shrinkwrap.json', 'package-lock.json'].map((f) => path.join(prefix, f))
      .find((f) => fs.existsSync(f))
    if (isCi && !lockFile) {
      process.stderr.write(`pinfold: npm ${cmdArg}: no package-lock.json or npm-shrinkwrap.json in ${prefix} ` +
        '(npm ci installs only from one)\n')
      process.exit(1)
    }
    if (!pkg) {
      process.stdout.write(`up to date: no package.json in ${prefix}, nothing to install\n`)
      return
    }
    if (pkg.workspaces) {
      refuse(`${path.join(prefix, 'package.json')}: npm workspaces are not resolved against the vetted packages`)
    }
    const peerMeta = pkg.peerDependenciesMeta || {}
    const groups = [['dependencies', false], ['optionalDependencies', true],
      ['peerDependencies', null], ['devDependencies', false]]
    for (const [field, optional] of groups) {
      if (field === 'devDependencies' && omitDev(cli)) {
        continue
      }
      for (const [name, raw] of Object.entries(pkg[field] || {})) {
        const opt = optional === null ? !!(peerMeta[name] && peerMeta[name].optional) : optional
        const why = unmet(npm, name, String(raw), prefix)
        if (!why) {
          met.push(`${name}@${raw} -> ${name} ${topVersion(name)}`)
        } else if (opt) {
          notes.push(`skipped optional ${why}`)
        } else {
          problems.push(`${field}: ${why}`)
        }
      }
    }
    if (lockFile) {
      const lock = readJSON(lockFile) || {}
      const vetted = new Set(vettedList().filter((r) => r.eco === 'npm').map((r) => `${r.name}@${r.version}`))
      for (const e of lockEntries(lock)) {
        if ((e.ent.dev && omitDev(cli)) || (e.ent.peer && e.ent.optional)) {
          continue
        }
        const what = `${path.basename(lockFile)}: ${e.key} ${e.ent.version || ''}`.trim()
        let why = null
        if (e.link) {
          why = `${what}: a linked package is not a vetted package`
        } else if (!e.ent.version || !/^[0-9]/.test(e.ent.version)) {
          why = `${what}: not a registry version`
        } else if (e.top && topVersion(e.name) !== e.ent.version) {
          why = closest(e.name, what)
        } else if (!vetted.has(`${e.name}@${e.ent.version}`)) {
          why = closest(e.name, what)
        }
        if (!why) {
          continue
        }
        if (e.ent.optional || e.ent.devOptional) {
          notes.push(`skipped optional ${why}`)
        } else {
          problems.push(why)
        }
      }
    }
    let own = []
    try {
      own = fs.readdirSync(path.join(prefix, 'node_modules')).filter((n) => !n.startsWith('.'))
    } catch {}
    if (own.length && path.join(prefix, 'node_modules') !== NODE_MODULES) {
      problems.push(`${path.join(prefix, 'node_modules')}: this project has packages of its own ` +
        `(${own.slice(0, 5).join(', ')}${own.length > 5 ? ', ...' : ''}), which Node would load instead ` +
        'of the vetted ones; remove that directory and run this again')
    }
  }
  if (problems.length) {
    refuse(problems.join('\n'))
  }
  if (cli.loglevel !== 'silent') {
    const where = SC ? '/node_modules' : NODE_MODULES
    for (const m of met) {
      process.stdout.write(`vetted: ${m}\n`)
    }
    for (const n of notes) {
      process.stdout.write(`${n}\n`)
    }
    process.stdout.write(`up to date: every package asked for is vetted and already in this environment ` +
      `(${where}); nothing was fetched or installed, and package.json, the package lock and ` +
      'node_modules were left as they are\n')
  }
  if (command === 'install-test' || command === 'install-ci-test') {
    runNpm(npm, ['test'])
  }
}

// ---- npm ----

function npmMain () {
  const npm = loadNpm(findNpm())
  const { cli, remain } = parse(npm, ARGS)
  const cmdArg = remain[0]
  const command = cli.versions ? 'version' : npm.deref(cmdArg)
  const sub = remain[1]
  const initializer = (command === 'init' && remain.length > 1) || cmdArg === 'create'
  refuseFlags(cli, command === 'init' && !initializer)
  switch (command) {
    case 'install':
    case 'ci':
    case 'install-test':
    case 'install-ci-test':
      return projectInstall(npm, cmdArg, command, remain.slice(1), cli)
    case 'exec':
      return refuse(`npm ${cmdArg}: runs a package's command and downloads the package when it is not ` +
        'installed; run the environment\'s own commands directly, they are on PATH')
    case 'update':
      return refuse(`npm ${cmdArg}: would fetch newer versions, which are not vetted; the vetted versions ` +
        'are installed')
    case 'uninstall':
    case 'prune':
    case 'dedupe':
    case 'link':
      return refuse(`npm ${cmdArg}: would change the installed packages, which are fixed by this ` +
        'environment\'s lock')
    case 'rebuild':
    case 'edit':
      return refuse(`npm ${cmdArg}: would run the packages' install scripts, which pinfold never runs`)
    case 'audit':
      if (sub === 'fix') {
        return refuse('npm audit fix: would install other versions, which are not vetted')
      }
      break
    case 'init':
      if (initializer) {
        return refuse(`npm ${cmdArg} ${remain.slice(1).join(' ')}: downloads and runs an initializer package; ` +
          `'npm init' without one writes a package.json`)
      }
      break
    case 'config':
    case 'set':
      if ((command === 'set' || ['set', 'delete'].includes(sub)) &&
        remain.slice(command === 'set' ? 1 : 2).some((kv) => guarded(kv.split('=')[0]))) {
        return refuse(`npm ${remain.join(' ')}: sets where npm fetches packages from or whether it may; ` +
          'this environment fixes that')
      }
      break
  }
  return runNpm(npm, ARGS)
}

// ---- npx ----

// npx's own argument rewrite (npm's bin/npx-cli.js): options before the first positional
// argument belong to npx, shorthands resolved, and the rest goes after `npm exec --`.
function npxArgv (npm) {
  const { definitions, shorthands } = npm.defs
  const switches = new Set(['no-install', 'quiet', 'q', 'version', 'v', 'help', 'h',
    'always-spawn', 'ignore-existing', 'shell-auto-fallback',
    ...Object.entries(definitions).filter(([, { type }]) => type === Boolean ||
      (Array.isArray(type) && type.includes(Boolean))).map(([k]) => k)])
  const opts = new Set(['package', 'p', 'cache', 'userconfig', 'call', 'c', 'shell', 'npm', 'node-arg', 'n'])
  const argv = ['exec', ...ARGS]
  for (let i = 1; i < argv.length; i++) {
    const arg = argv[i]
    if (arg === '--') {
      break
    }
    if (!/^-/.test(arg)) {
      argv.splice(i, 0, '--')
      break
    }
    const [key, ...v] = arg.replace(/^-+/, '').split('=')
    if (key === 'p') {
      argv[i] = ['--package', ...v].join('=')
    } else if (key === 'shell') {
      argv[i] = ['--script-shell', ...v].join('=')
    } else if (key === 'no-install') {
      argv[i] = '--yes=false'
    } else if (shorthands[key]) {
      argv.splice(i, 1, ...shorthands[key], ...(v.length ? [v.join('=')] : []))
      i--
      continue
    }
    if (v.length === 0 && !switches.has(key) && (opts.has(key) || !/^-/.test(argv[i + 1]))) {
      i++
    }
  }
  return argv
}

function envCommand (npm, name) {
  const bins = (n) => BIN_DIRS.map((d) => path.join(d, n))
    .find((f) => !OURS.has(n) && fs.existsSync(f) && fs.statSync(f).isFile())
  const base = name.startsWith('@') ? name.split('/')[1] || name : name
  const direct = bins(base)
  if (direct) {
    return [direct]
  }
  const dir = path.join(NODE_MODULES, name)
  const pkg = readJSON(path.join(dir, 'package.json'))
  if (!pkg || !pkg.bin) {
    return null
  }
  const map = typeof pkg.bin === 'string' ? { [base]: pkg.bin } : pkg.bin
  const names = Object.keys(map)
  const pick = map[base] !== undefined ? base : names.length === 1 ? names[0] : null
  if (pick === null) {
    return null
  }
  const linked = bins(pick)
  return linked ? [linked] : [process.execPath, path.resolve(dir, map[pick])]
}

function npxMain () {
  const npm = loadNpm(findNpm())
  const { cli, remain } = parse(npm, npxArgv(npm))
  if (cli.package && [].concat(cli.package).length) {
    refuse('--package: npx installs the package to run it; only the environment\'s own commands run here')
  }
  if (cli.call) {
    refuse('--call: npx runs a command with packages it would fetch; run the command directly')
  }
  if (cli.yes === true) {
    refuse('--yes: lets npx download and run a package without asking')
  }
  refuseFlags(cli, true)
  const name = remain[1]
  if (!name) {
    refuse('npx needs the name of one of this environment\'s commands')
  }
  let spec = {}
  try {
    spec = npm.npa(name)
  } catch {}
  // Only a bare name: a version, tag, path or URL means a package npx would fetch.
  if (!spec.name || spec.raw !== spec.name) {
    refuse(`${name}: npx would fetch that package; only the environment's own commands run here`)
  }
  const run = envCommand(npm, spec.name)
  if (!run) {
    refuse(`${name}: not a command of this environment; npx would download it`)
  }
  guardEnv()
  const r = spawnSync(run[0], [...run.slice(1), ...remain.slice(2)], { stdio: 'inherit' })
  if (r.error) {
    process.stderr.write(`pinfold: npx: ${run[0]}: ${r.error.message}\n`)
    process.exit(127)
  }
  if (r.signal) {
    process.kill(process.pid, r.signal)
  }
  process.exit(r.status)
}

if (TOOL === 'npx') {
  npxMain()
} else {
  npmMain()
}
