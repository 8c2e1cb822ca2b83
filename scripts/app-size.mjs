// The app's download: the brotli size of its wasm and JS (the `.br` files written by
// scripts/precompress.mjs), against a budget. Fails above it; the build is deterministic, so
// the check is fair. The budget is a ratchet: the size the app has reached plus a little room,
// lowered as the app shrinks, down to the target of 350 KB (BENCHMARKS.md).
//
//   node scripts/app-size.mjs dist [budget in bytes, default 778000]
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";

const dir = process.argv[2] || "dist";
const budget = Number(process.argv[3] || 778_000);
const kb = (n) => `${(n / 1000).toFixed(1)} KB`;

const parts = readdirSync(dir)
  .filter((name) => /\.(wasm|js)$/.test(name))
  .map((name) => {
    const raw = statSync(join(dir, name)).size;
    let br;
    try {
      br = statSync(join(dir, `${name}.br`)).size;
    } catch {
      console.error(`${name}.br is missing: was the app built by Trunk (post_build hook)?`);
      process.exit(1);
    }
    return { name, raw, br };
  });
if (!parts.some((p) => p.name.endsWith(".wasm"))) {
  console.error(`no wasm in ${dir}: build the app first (trunk build --release)`);
  process.exit(1);
}
for (const p of parts) console.log(`${p.name.padEnd(40)} ${kb(p.raw).padStart(10)} raw  ${kb(p.br).padStart(10)} brotli`);
const total = parts.reduce((s, p) => s + p.br, 0);
console.log(`wasm + JS: ${kb(total)} brotli (budget ${kb(budget)})`);
if (total > budget) {
  console.error(`the app's download is over its budget by ${kb(total - budget)}`);
  process.exit(1);
}
