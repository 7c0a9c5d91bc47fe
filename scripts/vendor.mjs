// Copies the browser builds of our npm dependencies into static/vendor/.
// static/vendor/ is generated at setup and ignored by git.
import { copyFileSync, mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const vendor = join(root, "static", "vendor");
const files = {
  "htmx.min.js": "node_modules/htmx.org/dist/htmx.min.js",
  "socket.io.min.js": "node_modules/socket.io-client/dist/socket.io.min.js",
  "axe.min.js": "node_modules/axe-core/axe.min.js",
};
mkdirSync(vendor, { recursive: true });
for (const [name, source] of Object.entries(files)) {
  copyFileSync(join(root, source), join(vendor, name));
}
console.log(`vendored ${Object.keys(files).length} files into static/vendor/`);
