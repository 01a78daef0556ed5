// Fallback tus 1.0 client, used only when the build could not bundle tus-js-client (npm was missing):
// creation (POST), resume from HEAD's Upload-Offset, PATCH chunks. Same callbacks as pst-upload.js gives
// tus-js-client: onResuming(offset), onProgress(sent, total).
const TUS = { 'Tus-Resumable': '1.0.0' };

function resumeKey(file, endpoint) {
    return `ligbox-tus:${file.name}:${file.size}:${file.lastModified}:${endpoint}`;
}

function encodeMetadata(pairs) {
    return Object.entries(pairs)
        .map(([k, v]) => `${k} ${btoa(String.fromCharCode(...new TextEncoder().encode(v)))}`)
        .join(',');
}

async function currentOffset(location) {
    const head = await fetch(location, { method: 'HEAD', headers: TUS, credentials: 'same-origin' });
    return head.ok ? Number(head.headers.get('Upload-Offset')) : null;
}

async function problemText(response) {
    try {
        const body = await response.json();
        return body.detail || body.title || `HTTP ${response.status}`;
    } catch {
        return `HTTP ${response.status}`;
    }
}

async function create(endpoint, file, metadata) {
    const response = await fetch(endpoint, {
        method: 'POST',
        credentials: 'same-origin',
        headers: { ...TUS, 'Upload-Length': String(file.size), 'Upload-Metadata': encodeMetadata(metadata) },
    });
    if (response.status !== 201) {
        throw new Error(`the server did not accept the upload (${await problemText(response)})`);
    }
    return new URL(response.headers.get('Location'), window.location.href).pathname;
}

/** Uploads file; returns the upload's URL path. */
export async function uploadFile(file, { endpoint, chunkSize, metadata, onResuming, onProgress }) {
    const key = resumeKey(file, endpoint);
    let location = localStorage.getItem(key);
    let offset = location ? await currentOffset(location) : null;
    if (offset === null) {
        location = await create(endpoint, file, metadata);
        localStorage.setItem(key, location);
        offset = 0;
    } else if (offset > 0) {
        onResuming(offset);
    }
    while (offset < file.size) {
        const chunk = file.slice(offset, Math.min(offset + chunkSize, file.size));
        const response = await fetch(location, {
            method: 'PATCH',
            credentials: 'same-origin',
            headers: { ...TUS, 'Upload-Offset': String(offset), 'Content-Type': 'application/offset+octet-stream' },
            body: chunk,
        });
        if (response.status !== 204) {
            // Offset conflict or dropped connection: ask the server where it is and go on from there.
            const serverOffset = await currentOffset(location);
            if (serverOffset === null || serverOffset === offset) {
                throw new Error(`the upload stopped at byte ${offset} (${await problemText(response)})`);
            }
            offset = serverOffset;
            continue;
        }
        offset = Number(response.headers.get('Upload-Offset'));
        onProgress(offset, file.size);
    }
    localStorage.removeItem(key);
    return location;
}
