// Build the browser front end into the folder `sharedsky serve` serves: web/src/* and
// MapLibre's prebuilt UMD files from node_modules, nothing else (no bundler: the pages are
// plain ES modules). Run from anywhere: `node web/build.mjs` (after `npm ci` in web/).

import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const source = join(here, "src");
const maplibre = join(here, "node_modules", "maplibre-gl");
const target = join(here, "..", "src", "sharedsky", "service", "static");

if (!existsSync(join(maplibre, "package.json"))) {
  console.error("web/build.mjs: node_modules/maplibre-gl is missing: run `npm ci` in web/ first");
  process.exit(1);
}
const { version } = JSON.parse(readFileSync(join(maplibre, "package.json"), "utf8"));

// Cleared first, so a file removed from web/src does not live on in the served folder.
rmSync(target, { recursive: true, force: true });
mkdirSync(target, { recursive: true });

const copied = [];
for (const name of readdirSync(source).sort()) {
  if (!statSync(join(source, name)).isFile()) continue;
  copyFileSync(join(source, name), join(target, name));
  copied.push(name);
}
// The UMD build carries its worker inline, so no separate worker file is needed.
for (const name of ["maplibre-gl.js", "maplibre-gl.css", "LICENSE.txt"]) {
  const from = name === "LICENSE.txt" ? join(maplibre, name) : join(maplibre, "dist", name);
  const to = name === "LICENSE.txt" ? "maplibre-gl.LICENSE.txt" : name;
  copyFileSync(from, join(target, to));
  copied.push(to);
}

writeFileSync(join(target, "BUILD.json"), `${JSON.stringify({ "maplibre-gl": version, files: copied }, null, 2)}\n`);
console.log(`web/build.mjs: ${copied.length} files into ${target} (maplibre-gl ${version})`);
