// Parses every .pq file in this folder with Microsoft's own Power Query (M) parser
// (@microsoft/powerquery-parser, pinned in package.json) and fails on the first lex or parse error.
// Run from the repository root after `npm ci`: node powerbi/check-pq.mjs
import { readdir, readFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { DefaultSettings, TaskUtils } from "@microsoft/powerquery-parser";

const folder = dirname(fileURLToPath(import.meta.url));
const files = (await readdir(folder)).filter((f) => f.endsWith(".pq")).sort();
if (files.length === 0) {
    console.error("check-pq: no .pq files found in " + folder);
    process.exit(1);
}

let failed = 0;
for (const file of files) {
    const text = await readFile(join(folder, file), "utf8");
    const task = await TaskUtils.tryLexParse(DefaultSettings, text);
    if (TaskUtils.isOk(task)) {
        console.log(`check-pq: ok     ${file}`);
    } else {
        failed++;
        console.error(`check-pq: FAILED ${file}: ${task.error?.message ?? task.error}`);
    }
}
console.log(`check-pq: ${files.length - failed} of ${files.length} files parse`);
process.exit(failed === 0 ? 0 : 1);
