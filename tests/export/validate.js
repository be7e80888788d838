// SPDX-License-Identifier: MIT
// Checks pinfold's SBOMs with the tools of their ecosystems, installed by the test with npm:
// the CycloneDX library's strict JSON validator, ajv with the SPDX 2.3 JSON schema, packageurl-js.
// usage: node validate.js NODE_DIR MODE ARGS...
//   cdx-schema BOM.json                  valid CycloneDX 1.6 (strict schema, the library's validator)
//   spdx-schema DOC.json SCHEMA.json     valid against the official SPDX 2.3 JSON schema
//   packages EXPECTED.tsv BOM.json DOC.json
//                                        every locked package (eco, name, version, sha256 per line)
//                                        is in both documents with its hash and a purl that
//                                        round-trips through packageurl-js and names it
//   license-ids LICENSE.c                every id pinfold may write is on CycloneDX's SPDX list
// Exit 0 when the check holds; else 1 with the reasons on stderr.
'use strict'
const fs = require('fs')
const path = require('path')
const { createRequire } = require('module')

const [nodeDir, mode, ...args] = process.argv.slice(2)
const req = createRequire(path.join(path.resolve(nodeDir), 'index.js'))
const fail = (msg) => { console.error(msg); process.exit(1) }
const readJson = (f) => JSON.parse(fs.readFileSync(f, 'utf8'))

async function cdxSchema (file) {
  const CDX = req('@cyclonedx/cyclonedx-library')
  const v = new CDX.Validation.JsonStrictValidator(CDX.Spec.Version.v1dot6)
  const errors = await v.validate(fs.readFileSync(file, 'utf8'))
  if (errors !== null) fail(JSON.stringify(errors, null, 2))
  console.log(`${file}: valid CycloneDX 1.6 (strict)`)
}

function spdxSchema (file, schemaFile) {
  const Ajv = req('ajv')
  const addFormats = req('ajv-formats')
  const ajv = new Ajv({ allErrors: true, strict: false })
  addFormats(ajv)
  const validate = ajv.compile(readJson(schemaFile))
  if (!validate(readJson(file))) fail(JSON.stringify(validate.errors, null, 2))
  console.log(`${file}: valid against ${path.basename(schemaFile)}`)
}

// The purl type, namespace and name a locked package must have (the purl spec's rules).
function expectedPurl (eco, name) {
  if (eco === 'pypi') return { type: 'pypi', namespace: undefined, name: name.toLowerCase().replace(/[-_.]+/g, '-') }
  if (eco === 'npm') {
    const m = /^(@[^/]+)\/(.+)$/.exec(name)
    return m ? { type: 'npm', namespace: m[1].toLowerCase(), name: m[2].toLowerCase() }
      : { type: 'npm', namespace: undefined, name: name.toLowerCase() }
  }
  if (eco === 'deb') return { type: 'deb', namespace: 'debian', name: name.toLowerCase() }
  return { type: eco, namespace: undefined, name }
}

function packages (tsv, bomFile, docFile) {
  const { PackageURL } = req('packageurl-js')
  const bom = readJson(bomFile)
  const doc = readJson(docFile)
  const want = fs.readFileSync(tsv, 'utf8').split('\n').filter(Boolean).map((l) => l.split('\t'))
  const problems = []
  if (bom.components.length !== want.length) problems.push(`CycloneDX has ${bom.components.length} components, the lock ${want.length} packages`)
  if (doc.packages.length !== want.length + 1) problems.push(`SPDX has ${doc.packages.length} packages, want ${want.length} + the environment`)
  const ids = new Set(doc.packages.map((p) => p.SPDXID))
  for (const r of doc.relationships) {
    for (const id of [r.spdxElementId, r.relatedSpdxElement]) {
      if (id !== 'SPDXRef-DOCUMENT' && !ids.has(id)) problems.push(`relationship names unknown ${id}`)
    }
  }
  const refs = new Set(bom.components.map((c) => c['bom-ref']).concat([bom.metadata.component['bom-ref']]))
  for (const d of bom.dependencies) {
    for (const ref of [d.ref, ...(d.dependsOn || [])]) if (!refs.has(ref)) problems.push(`dependency names unknown ${ref}`)
  }
  for (const [eco, name, version, sha] of want) {
    const c = bom.components.find((x) => x.hashes && x.hashes.some((h) => h.alg === 'SHA-256' && h.content === sha))
    const p = doc.packages.find((x) => x.checksums && x.checksums.some((h) => h.algorithm === 'SHA256' && h.checksumValue === sha))
    const label = `${eco}:${name} ${version}`
    if (!c) { problems.push(`${label}: not in the CycloneDX document`); continue }
    if (!p) { problems.push(`${label}: not in the SPDX document`); continue }
    if (c.version !== version || p.versionInfo !== version) problems.push(`${label}: version ${c.version} / ${p.versionInfo}`)
    const fullName = c.group ? `${c.group}/${c.name}` : c.name
    if (fullName !== name || p.name !== name) problems.push(`${label}: named ${fullName} / ${p.name}`)
    const spdxPurl = p.externalRefs.find((x) => x.referenceType === 'purl').referenceLocator
    if (spdxPurl !== c.purl) problems.push(`${label}: purls differ: ${c.purl} / ${spdxPurl}`)
    // Round trip: pinfold's string parses to the package's own components, and the parser's
    // re-serialisation of them parses back to the same (the parser may leave '+' unencoded
    // where pinfold writes %2B as the purl spec does: the strings may differ, not what they say).
    let u, u2
    try { u = PackageURL.fromString(c.purl); u2 = PackageURL.fromString(u.toString()) } catch (e) {
      problems.push(`${label}: ${c.purl}: ${e.message}`); continue
    }
    const exp = expectedPurl(eco, name)
    const same = (a) => a.type === exp.type && a.name === exp.name && a.namespace === exp.namespace && a.version === version
    if (!same(u)) problems.push(`${label}: ${c.purl} parses as type=${u.type} namespace=${u.namespace} name=${u.name} version=${u.version}`)
    if (!same(u2) || JSON.stringify(u2.qualifiers) !== JSON.stringify(u.qualifiers)) {
      problems.push(`${label}: ${c.purl} does not round-trip (${u.toString()})`)
    }
    console.log(`${label}: ${c.purl}`)
  }
  if (problems.length) fail(problems.join('\n'))
}

function licenseIds (cFile) {
  const src = fs.readFileSync(cFile, 'utf8')
  const schemaPath = req.resolve('@cyclonedx/cyclonedx-library/package.json').replace(/package\.json$/, 'res/schema/spdx.SNAPSHOT.schema.json')
  const known = new Set(readJson(schemaPath).enum)
  const table = (name) => {
    const m = new RegExp(`${name}\\[\\] = \\{([^}]*)\\}`).exec(src)
    if (!m) fail(`${cFile}: no table ${name}`)
    return [...m[1].matchAll(/"([^"]+)"/g)].map((x) => x[1])
  }
  const ids = table('export_license_ids').concat(table('export_license_exceptions'))
  const unknown = ids.filter((id) => !known.has(id))
  if (ids.length < 20 || unknown.length) fail(`not on the SPDX list (${known.size} ids): ${unknown.join(' ')}; ${ids.length} read`)
  console.log(`${ids.length} licence and exception ids, all on the SPDX list`)
}

;(async () => {
  if (mode === 'cdx-schema') await cdxSchema(args[0])
  else if (mode === 'spdx-schema') spdxSchema(args[0], args[1])
  else if (mode === 'packages') packages(args[0], args[1], args[2])
  else if (mode === 'license-ids') licenseIds(args[0])
  else fail(`unknown mode ${mode}`)
})().catch((e) => fail(e.stack || String(e)))
