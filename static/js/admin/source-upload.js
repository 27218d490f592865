// The admin's source uploads: Uppy's AWS S3 plugin in multipart mode, driven
// by the direct upload API (/api/v1/uploads/). The bytes go from the browser
// straight to the store (S3, or the embedded default's signed part URLs);
// Django signs and records. Each part is signed with its SHA-256, computed
// here. An upload's id is kept in localStorage until it completes, so after a
// reload (or a crash) picking the same file again resumes from the parts the
// store already has.

import { base64, fingerprint as keyOf, partSizeFor } from "./upload-parts.js";

const MIB = 1024 * 1024;
const STORE_KEY = "vod.sourceUploads";
// Types some systems leave empty or label outside video/*.
const TYPES = {
  mkv: "video/x-matroska",
  mxf: "application/mxf",
  ts: "video/mp2t",
  mpg: "video/mpeg",
  mpeg: "video/mpeg",
  avi: "video/x-msvideo",
  mov: "video/quicktime",
  webm: "video/webm",
  m4v: "video/mp4",
  mp4: "video/mp4",
};

const root = document.getElementById("source-uploader");
const config = JSON.parse(
  document.getElementById("source-uploader-config").textContent,
);
const { Uppy, Dashboard, AwsS3 } = globalThis.Uppy;

class ApiError extends Error {
  constructor(status, message) {
    super(message);
    // Uppy's retry logic reads the status here: no retry on a 4xx.
    this.source = { status };
  }
}

async function api(path, { method = "GET", body, signal } = {}) {
  const headers = { Accept: "application/json", "X-CSRFToken": config.csrfToken };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const response = await fetch(config.api + path, {
    method,
    headers,
    signal,
    credentials: "same-origin",
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const data = await response.json().catch(() => ({}));
  if (!response.ok) {
    const reason = data.error ? data.error.message : response.statusText;
    const fields = data.error && data.error.fields;
    const detail = fields ? " " + Object.values(fields).flat().join(" ") : "";
    throw new ApiError(response.status, `${reason}${detail}`);
  }
  return data;
}

function contentType(file) {
  if (file.type) return file.type;
  const extension = (file.extension || "").toLowerCase();
  return TYPES[extension] || "video/mp4";
}

// Uploads not completed yet, by the file's fingerprint.
function stored() {
  try {
    return JSON.parse(localStorage.getItem(STORE_KEY)) || {};
  } catch {
    return {};
  }
}

function fingerprint(file) {
  return keyOf(config.video, file);
}

function remember(file, upload) {
  const all = stored();
  all[fingerprint(file)] = {
    uploadId: upload.upload_id,
    key: upload.key,
    name: file.name,
    size: file.size,
    video: config.video || "new",
  };
  localStorage.setItem(STORE_KEY, JSON.stringify(all));
}

function forget(file) {
  const all = stored();
  delete all[fingerprint(file)];
  localStorage.setItem(STORE_KEY, JSON.stringify(all));
}

function showInterrupted() {
  const list = root.querySelector(".source-uploader-interrupted");
  const mine = Object.values(stored()).filter(
    (entry) => entry.video === (config.video || "new"),
  );
  list.hidden = mine.length === 0;
  const items = list.querySelector("ul");
  items.replaceChildren(
    ...mine.map((entry) => {
      const item = document.createElement("li");
      item.textContent = `${entry.name} (${(entry.size / MIB).toFixed(1)} MiB)`;
      return item;
    }),
  );
}

function showDone(file, upload) {
  const list = root.querySelector(".source-uploader-done");
  const item = document.createElement("li");
  const link = document.createElement("a");
  link.href = config.videoSearchUrl + encodeURIComponent(upload.video);
  link.textContent = file.name;
  item.append(link, ` — ${config.doneMessage}`);
  list.querySelector("ul").append(item);
  list.hidden = false;
}

const uppy = new Uppy({
  id: "sources",
  autoProceed: false,
  restrictions: {
    maxFileSize: config.maxBytes,
    maxNumberOfFiles: config.video ? 1 : null,
    allowedFileTypes: ["video/*", ...config.extensions],
  },
});

uppy.use(Dashboard, {
  target: root.querySelector(".source-uploader-dashboard"),
  inline: true,
  height: 320,
  width: "100%",
  showProgressDetails: true,
  proudlyDisplayPoweredByUppy: false,
  note: config.note,
});

uppy.use(AwsS3, {
  shouldUseMultipart: true,
  limit: 4,
  getChunkSize: (file) => partSizeFor(file.size, config.partSize, config.maxParts),

  async createMultipartUpload(file) {
    const body = {
      file_name: file.name,
      size: file.size,
      content_type: contentType(file),
    };
    if (config.video) body.video = config.video;
    const upload = await api("uploads/", { method: "POST", body });
    const expected = partSizeFor(file.size, config.partSize, config.maxParts);
    if (upload.part_size !== expected) {
      await api(`uploads/${upload.upload_id}/`, { method: "DELETE" });
      throw new Error("The server's part size changed: reload the page.");
    }
    remember(file, upload);
    uppy.setFileMeta(file.id, { video: upload.video });
    return { uploadId: upload.upload_id, key: upload.key };
  },

  async signPart(file, { uploadId, partNumber, body, signal }) {
    const digest = await crypto.subtle.digest("SHA-256", await body.arrayBuffer());
    const signed = await api(`uploads/${uploadId}/part-urls/`, {
      method: "POST",
      body: { parts: [{ part_number: partNumber, checksum_sha256: base64(digest) }] },
      signal,
    });
    const [part] = signed.parts;
    return { method: part.method, url: part.url, headers: part.headers };
  },

  async listParts(file, { uploadId, signal }) {
    const listed = await api(`uploads/${uploadId}/parts/`, { signal });
    return listed.parts.map((part) => ({
      PartNumber: part.part_number,
      Size: part.size,
      ETag: part.etag,
    }));
  },

  async completeMultipartUpload(file, { uploadId, parts, signal }) {
    const upload = await api(`uploads/${uploadId}/complete/`, {
      method: "POST",
      // The store's checksum of each part stands in for one not sent here.
      body: {
        parts: parts.map((part) => ({ part_number: part.PartNumber, etag: part.ETag })),
      },
      signal,
    });
    forget(file);
    showInterrupted();
    showDone(file, upload);
    return {};
  },

  async abortMultipartUpload(file, { uploadId }) {
    forget(file);
    showInterrupted();
    if (uploadId) await api(`uploads/${uploadId}/`, { method: "DELETE" });
  },
});

// A file picked again after a reload resumes its open upload: Uppy lists the
// stored parts (listParts) and sends only the others.
uppy.addPreProcessor(async (fileIDs) => {
  for (const id of fileIDs) {
    const file = uppy.getFile(id);
    const saved = stored()[fingerprint(file)];
    if (!saved || (file.s3Multipart && file.s3Multipart.uploadId)) continue;
    try {
      const upload = await api(`uploads/${saved.uploadId}/`);
      if (upload.state === "open") {
        uppy.setFileState(id, {
          s3Multipart: { uploadId: saved.uploadId, key: saved.key },
        });
        continue;
      }
    } catch (error) {
      if (!(error instanceof ApiError)) throw error; // offline: try again later
    }
    forget(file); // completed, aborted or expired: start over
  }
});

// Uploads completed elsewhere, aborted or expired leave the list.
async function pruneInterrupted() {
  for (const [key, entry] of Object.entries(stored())) {
    let open = true;
    try {
      open = (await api(`uploads/${entry.uploadId}/`)).state === "open";
    } catch (error) {
      if (!(error instanceof ApiError)) return; // offline: keep them
      open = false;
    }
    if (!open) {
      const all = stored();
      delete all[key];
      localStorage.setItem(STORE_KEY, JSON.stringify(all));
    }
  }
  showInterrupted();
}

showInterrupted();
pruneInterrupted();
root.dataset.ready = "true";
globalThis.vodSourceUploader = uppy;
