// Read a JSON array of .arc texts on stdin; print what @architect/parser makes of each.
// Non-finite numbers become the strings "Infinity" / "-Infinity" (JSON has no such numbers).
const parse = require('@architect/parser')
const fs = require('fs')
const inputs = JSON.parse(fs.readFileSync(0, 'utf8'))
const out = inputs.map(text => {
  try {
    const arc = parse(text)
    const replacer = (k, v) => (typeof v === 'number' && !isFinite(v)) ? String(v) : v
    return { ok: JSON.parse(JSON.stringify(arc, replacer)), pragmas: Object.keys(arc) }
  }
  catch (e) {
    return { error: { name: e.name, line: e.line ?? null, column: e.column ?? null, message: e.message } }
  }
})
process.stdout.write(JSON.stringify(out))
