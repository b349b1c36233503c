// Parses every PHP file and template of the NetCat package with PHP 7.4's grammar
// (glayzzle php-parser, version 7.4): module PHP must run on PHP 7.4–8.x NetCat sites, and
// only PHP 8.2 is installed here. Usage: node php74_syntax.js DIR (php-parser on NODE_PATH).
'use strict';
const { Engine } = require('php-parser');
const fs = require('fs');
const path = require('path');

const parser = new Engine({ parser: { php7: true, version: '7.4' }, ast: { withPositions: false } });
// component templates (*.html) run in NetCat with short_open_tag=On: their `<?` opens PHP too
const templateParser = new Engine({ parser: { php7: true, version: '7.4' }, ast: { withPositions: false }, lexer: { short_tags: true } });
// The check itself must reject PHP 8 syntax, or it proves nothing.
for (const php8 of ['<?php $x = match(1) { 1 => 2 };', '<?php $y = $a?->b;']) {
  let rejected = false;
  try { parser.parseCode(php8); } catch (e) { rejected = true; }
  if (!rejected) { console.error(`php-parser accepted PHP 8 syntax: ${php8}`); process.exit(1); }
}
let files = 0;
const bad = [];
(function walk(dir) {
  for (const name of fs.readdirSync(dir)) {
    const p = path.join(dir, name);
    if (fs.statSync(p).isDirectory()) { walk(p); continue; }
    if (!/\.(php|html)$/.test(name)) continue;
    files++;
    const engine = name.endsWith('.html') ? templateParser : parser;
    try { engine.parseCode(fs.readFileSync(p, 'utf8'), p); } catch (e) { bad.push(`${p}: ${e.message}`); }
  }
})(process.argv[2]);
bad.forEach((b) => console.error(b));
console.log(`PHP 7.4 syntax: ${files - bad.length} passed, ${bad.length} failed`);
process.exit(bad.length ? 1 : 0);
