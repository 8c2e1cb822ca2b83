// Writes a brotli (`.br`) and a gzip (`.gz`) copy beside every compressible file of a built
// app, at the strongest settings: the server sends them as they are (Content-Encoding, Vary)
// instead of compressing on the fly, at a level it could not afford per request.
//
// Run by Trunk after each build (Trunk.toml, post_build hook, on the staging folder), or by
// hand: `node scripts/precompress.mjs dist`.
import { readdirSync, readFileSync, statSync, writeFileSync, unlinkSync } from "node:fs";
import { join } from "node:path";
import { brotliCompressSync, gzipSync, constants } from "node:zlib";

const COMPRESSIBLE = /\.(wasm|js|css|html|svg|webmanifest|json)$/;

function* files(dir) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) yield* files(path);
    else yield path;
  }
}

const dir = process.argv[2] || process.env.TRUNK_STAGING_DIR;
if (!dir) {
  console.error("usage: node scripts/precompress.mjs <built app folder>");
  process.exit(2);
}

for (const path of [...files(dir)]) {
  if (path.endsWith(".br") || path.endsWith(".gz")) {
    unlinkSync(path);
    continue;
  }
  if (!COMPRESSIBLE.test(path)) continue;
  const raw = readFileSync(path);
  const variants = {
    br: brotliCompressSync(raw, {
      params: {
        [constants.BROTLI_PARAM_QUALITY]: constants.BROTLI_MAX_QUALITY,
        [constants.BROTLI_PARAM_LGWIN]: constants.BROTLI_MAX_WINDOW_BITS,
        [constants.BROTLI_PARAM_SIZE_HINT]: raw.length,
      },
    }),
    gz: gzipSync(raw, { level: constants.Z_BEST_COMPRESSION }),
  };
  for (const [ext, bytes] of Object.entries(variants)) {
    // A variant no smaller than the file itself would only cost the server a lookup.
    if (bytes.length < raw.length) writeFileSync(`${path}.${ext}`, bytes);
  }
}
