/** `npm run gen` (lib/config/io/gen.ts) on a copy of the project's generated files. */
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { generate } from "../../lib/config/io/gen";
import { PROJECT_DIR } from "../helpers/paths";

describe("config gen: Pulumi.yaml and the README from the key table", function () {
  this.timeout(20000);
  const files = ["Pulumi.yaml", "README.md"];
  let tmp: string;
  const read = (file: string): string => fs.readFileSync(path.join(tmp, file), "utf8");
  const edit = (file: string, from: string, to: string): void => {
    const text = read(file);
    assert.ok(text.includes(from), `${file} has no ${from}`);
    fs.writeFileSync(path.join(tmp, file), text.replace(from, to));
  };

  beforeEach(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), "andyredis-gen-"));
    for (const file of files) fs.copyFileSync(path.join(PROJECT_DIR, file), path.join(tmp, file));
  });
  afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it("finds nothing stale in files it generated, and writes nothing", async () => {
    await generate(tmp, false);
    const written = files.map(read);
    assert.deepEqual(await generate(tmp, true), []);
    assert.deepEqual(files.map(read), written);
  });

  it("in check mode names each stale file and leaves it as it is", async () => {
    await generate(tmp, false);
    edit("README.md", "| `zoneCount`", "| `zoneCounts`");
    edit("Pulumi.yaml", "andyredis:zoneCount:", "andyredis:zoneCounts:");
    const stale = files.map(read);
    assert.deepEqual(await generate(tmp, true), ["Pulumi.yaml", "README.md"]);
    assert.deepEqual(files.map(read), stale);
  });

  it("rewrites only its regions: text outside the markers stays", async () => {
    await generate(tmp, false);
    edit("README.md", "| `zoneCount`", "| `zoneCounts`");
    edit("README.md", "## Configuration\n", "## Configuration\n\nA note of the user's own.\n");
    assert.deepEqual(await generate(tmp, false), ["README.md"]);
    assert.ok(read("README.md").includes("| `zoneCount`"));
    assert.ok(read("README.md").includes("A note of the user's own."));
    assert.deepEqual(await generate(tmp, true), []);
  });

  it("refuses a file whose markers are gone", async () => {
    edit("README.md", "<!-- end generated -->", "");
    await assert.rejects(generate(tmp, true), /expected one region/);
  });
});
