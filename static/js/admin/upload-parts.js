// What the uploader and the server must agree on, kept apart from the page so
// Node's test runner can check it (tests/js/upload-parts.test.js).

const MIB = 1024 * 1024;

// The server's part size for a file of `size` bytes
// (catalog.services.uploads.upload_part_size): parts of `partSize`, or whole
// MiB big enough for `maxParts` of them. Uppy cuts the file at these bounds.
export function partSizeFor(size, partSize, maxParts) {
  const smallest = Math.ceil(size / maxParts);
  if (smallest <= partSize) return partSize;
  return Math.ceil(smallest / MIB) * MIB;
}

// A digest as S3's x-amz-checksum-sha256 header carries it.
export function base64(buffer) {
  let text = "";
  for (const byte of new Uint8Array(buffer)) text += String.fromCharCode(byte);
  return btoa(text);
}

// The key an open upload is kept under in localStorage: the page's video (or
// "new") and what identifies a file picked again after a reload.
export function fingerprint(video, file) {
  const data = file.data || {};
  return [video || "new", file.name, file.size, data.lastModified].join("|");
}
