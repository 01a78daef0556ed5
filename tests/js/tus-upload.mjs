// Uploads one file with the official tus-js-client; driven by tests/Ligbox.Console.Tests/Uploads.
//
//   node tus-upload.mjs --file PATH (--endpoint URL | --upload-url URL) [options]
//     --chunk-size BYTES         PATCH size (default: whole file in one request)
//     --exit-after-bytes BYTES   process.exit(3) once this many bytes were sent in this run,
//                                mid-request, like a killed browser tab or a dropped laptop
//     --url-storage PATH         remember upload URLs in this JSON file (FileUrlStorage) and resume
//                                the previous upload of the same file from it
//     --metadata KEY=VALUE       Upload-Metadata pair (repeatable)
//     --override-patch           send PATCH as POST + X-HTTP-Method-Override
//     --data-during-creation     send the first chunk with the POST (creation-with-upload)
//     --no-retry                 fail on the first error instead of retrying
//
// Secrets never go through argv (visible in ps): request headers come from the environment,
// TUS_HEADERS='{"Authorization":"Bearer ...","Cookie":"..."}'.
//
// Prints one JSON object per line on stdout: url, progress (throttled), chunk, then success or error.
// Exit codes: 0 success, 1 upload error, 2 usage, 3 exited on purpose after --exit-after-bytes.
import fs from 'node:fs';
import { parseArgs } from 'node:util';
import { FileUrlStorage, Upload } from 'tus-js-client';

const emit = (event) => process.stdout.write(JSON.stringify(event) + '\n');

let args;
try {
  ({ values: args } = parseArgs({
    options: {
      endpoint: { type: 'string' },
      'upload-url': { type: 'string' },
      file: { type: 'string' },
      'chunk-size': { type: 'string' },
      'exit-after-bytes': { type: 'string' },
      'url-storage': { type: 'string' },
      metadata: { type: 'string', multiple: true, default: [] },
      'override-patch': { type: 'boolean', default: false },
      'data-during-creation': { type: 'boolean', default: false },
      'no-retry': { type: 'boolean', default: false },
    },
  }));
} catch (err) {
  emit({ event: 'usage', message: err.message });
  process.exit(2);
}

if (!args.file || (!args.endpoint && !args['upload-url'])) {
  emit({ event: 'usage', message: '--file and --endpoint or --upload-url are required' });
  process.exit(2);
}

const headers = process.env.TUS_HEADERS ? JSON.parse(process.env.TUS_HEADERS) : {};
const metadata = Object.fromEntries(args.metadata.map((pair) => {
  const at = pair.indexOf('=');
  return at < 0 ? [pair, ''] : [pair.slice(0, at), pair.slice(at + 1)];
}));
const exitAfter = args['exit-after-bytes'] ? Number(args['exit-after-bytes']) : null;
const size = fs.statSync(args.file).size;

let sentThisRun = 0;
let firstOffset = null;
let lastProgressAt = 0;

const upload = new Upload(fs.createReadStream(args.file), {
  endpoint: args.endpoint ?? null,
  uploadUrl: args['upload-url'] ?? null,
  chunkSize: args['chunk-size'] ? Number(args['chunk-size']) : Number.POSITIVE_INFINITY,
  headers,
  metadata,
  uploadSize: size,
  overridePatchMethod: args['override-patch'],
  uploadDataDuringCreation: args['data-during-creation'],
  retryDelays: args['no-retry'] ? [] : [0, 500, 1000, 2000],
  urlStorage: args['url-storage'] ? new FileUrlStorage(args['url-storage']) : undefined,
  storeFingerprintForResuming: Boolean(args['url-storage']),
  removeFingerprintOnSuccess: false,
  onUploadUrlAvailable() {
    emit({ event: 'url', url: upload.url });
  },
  onProgress(bytesSent, bytesTotal) {
    // bytesSent counts from 0 of the file, including what an earlier run already stored.
    firstOffset ??= bytesSent;
    if (exitAfter !== null && bytesSent - firstOffset >= exitAfter) {
      emit({ event: 'exit', bytesSent, bytesTotal });
      process.exit(3);
    }
    const now = Date.now();
    if (now - lastProgressAt >= 200 || bytesSent === bytesTotal) {
      lastProgressAt = now;
      emit({ event: 'progress', bytesSent, bytesTotal });
    }
  },
  onChunkComplete(chunkSize, bytesAccepted, bytesTotal) {
    sentThisRun += chunkSize;
    emit({ event: 'chunk', chunkSize, bytesAccepted, bytesTotal });
  },
  onSuccess() {
    emit({ event: 'success', url: upload.url, size, bytesSentThisRun: sentThisRun });
    process.exit(0);
  },
  onError(err) {
    const response = err.originalResponse;
    emit({
      event: 'error',
      message: err.message,
      status: response ? response.getStatus() : null,
      body: response ? response.getBody() : null,
      url: upload.url,
      bytesSentThisRun: sentThisRun,
    });
    process.exit(1);
  },
});

if (args['url-storage'] && !args['upload-url']) {
  const previous = await upload.findPreviousUploads();
  if (previous.length > 0) {
    emit({ event: 'resume', url: previous[0].uploadUrl });
    upload.resumeFromPreviousUpload(previous[0]);
  }
}
upload.start();
