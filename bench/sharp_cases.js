// The sharp (libvips) side of `make bench`: one process per round, every case timed in-process
// after a warm-up, each result written to OUT_DIR for the quality column. Cases come as JSON
// from bench.py, so both sides always run the same list.
//   node sharp_cases.js CASES.json IMAGES_DIR OUT_DIR ITERS   (NODE_PATH: a node_modules with sharp)
'use strict';
const fs = require('fs');
const path = require('path');
const sharp = require('sharp');

sharp.cache(false);
const [casesFile, imagesDir, outDir, iters] = process.argv.slice(2);
const cases = JSON.parse(fs.readFileSync(casesFile, 'utf8'));

function pipeline(input, spec) {
  let image = sharp(input, spec.animated ? { animated: true } : {});
  for (const [op, arg] of spec.ops) {
    if (op === 'resize') image = image.resize(arg);
    else if (op === 'extract') image = image.extract(arg);
    else if (op === 'rotate') image = image.rotate(arg);
    else if (op === 'blur') image = image.blur(arg);
    else throw new Error(`unknown op ${op}`);
  }
  const [format, options] = spec.output;
  return image.toFormat(format, options).toBuffer();
}

(async () => {
  for (const spec of cases) {
    const input = fs.readFileSync(path.join(imagesDir, spec.file));
    let out;
    try {
      out = await pipeline(input, spec); // warm-up
    } catch (err) {
      console.log(JSON.stringify({ case: spec.name, error: String(err.message || err).slice(0, 120) }));
      continue;
    }
    const times = [];
    for (let i = 0; i < Number(iters); i++) {
      const start = process.hrtime.bigint();
      out = await pipeline(input, spec);
      times.push(Number(process.hrtime.bigint() - start) / 1e6);
    }
    times.sort((a, b) => a - b);
    const file = path.join(outDir, `${spec.name.replace(/[^a-z0-9]+/gi, '_')}.${spec.output[0]}`);
    fs.writeFileSync(file, out);
    console.log(JSON.stringify({ case: spec.name, ms: times[times.length >> 1], file }));
  }
})();
