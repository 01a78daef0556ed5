// A small tus 1.0 client of our own: creation (POST), resume from HEAD's Upload-Offset, PATCH chunks.
// Progress, speed (bytes/s) and ETA (s) go to .NET through a DotNetObjectReference ("OnUploadProgress").
const TUS = { 'Tus-Resumable': '1.0.0' };

function resumeKey(file) {
    return `ligbox-tus:${file.name}:${file.size}:${file.lastModified}`;
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

async function create(endpoint, file) {
    const response = await fetch(endpoint, {
        method: 'POST',
        credentials: 'same-origin',
        headers: { ...TUS, 'Upload-Length': String(file.size), 'Upload-Metadata': encodeMetadata({ filename: file.name }) },
    });
    if (response.status !== 201) {
        throw new Error(`Upload could not start (HTTP ${response.status}): ${await response.text()}`);
    }
    return new URL(response.headers.get('Location'), window.location.href).pathname;
}

/** Uploads the file chosen in <input id=inputId>; returns the upload id. */
export async function upload(inputId, endpoint, dotnet, chunkSize) {
    const file = document.getElementById(inputId)?.files?.[0];
    if (!file) {
        throw new Error('Choose a file first.');
    }
    const key = resumeKey(file);
    let location = localStorage.getItem(key);
    let offset = location ? await currentOffset(location) : null;
    if (offset === null) {
        location = await create(endpoint, file);
        localStorage.setItem(key, location);
        offset = 0;
    }
    const started = performance.now();
    const startOffset = offset;
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
                throw new Error(`Upload failed at byte ${offset} (HTTP ${response.status}).`);
            }
            offset = serverOffset;
            continue;
        }
        offset = Number(response.headers.get('Upload-Offset'));
        const seconds = (performance.now() - started) / 1000;
        const speed = seconds > 0 ? (offset - startOffset) / seconds : 0;
        const eta = speed > 0 ? (file.size - offset) / speed : 0;
        await dotnet.invokeMethodAsync('OnUploadProgress', offset, file.size, speed, eta);
    }
    localStorage.removeItem(key);
    return { id: location.substring(location.lastIndexOf('/') + 1), name: file.name };
}
