import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { test } from "node:test";

import { base64, fingerprint, partSizeFor } from "../../static/js/admin/upload-parts.js";

const MIB = 1024 * 1024;
const GIB = 1024 * MIB;

test("files up to 10,000 parts use the configured part size", () => {
  assert.equal(partSizeFor(100 * MIB, 64 * MIB, 10000), 64 * MIB);
  assert.equal(partSizeFor(10000 * 64 * MIB, 64 * MIB, 10000), 64 * MIB);
});

test("bigger files get whole-MiB parts, as the server cuts them", () => {
  // catalog.services.uploads.upload_part_size: ceil(ceil(size / 10000) / MiB) MiB
  const size = 10000 * 64 * MIB + 1;
  assert.equal(partSizeFor(size, 64 * MIB, 10000), 65 * MIB);
  assert.equal(partSizeFor(5000 * GIB, 64 * MIB, 10000), 512 * MIB);
  assert.ok(Math.ceil(size / partSizeFor(size, 64 * MIB, 10000)) <= 10000);
});

test("a digest is base64 as S3's checksum header takes it", () => {
  const digest = createHash("sha256").update("part").digest();
  assert.equal(base64(digest), digest.toString("base64"));
  assert.equal(base64(digest).length, 44);
});

test("an upload is remembered per page and per file", () => {
  const file = { name: "a.mp4", size: 5, data: { lastModified: 7 } };
  assert.equal(fingerprint(null, file), "new|a.mp4|5|7");
  assert.notEqual(fingerprint("uuid-1", file), fingerprint("uuid-2", file));
  assert.notEqual(
    fingerprint(null, file),
    fingerprint(null, { ...file, data: { lastModified: 8 } }),
  );
});
