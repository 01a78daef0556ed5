// PST/mbox upload for one mailbox's drop zone: drag and drop or the file picker, then a resumable tus
// upload with tus-js-client (bundled at build time into lib/tus-js-client) or, without it, our fallback
// client (upload.js). Progress, speed and ETA go to .NET (PstDropZone) through a DotNetObjectReference.
import { uploadFile } from './upload.js';

// .tgz / .tar.gz: a Zimbra export (zmmailbox getRestURL "//?fmt=tgz"); the server checks the content before importing.
const ALLOWED = ['.pst', '.ost', '.mbox', '.mbx', '.tgz', '.gz'];
let loading;

/** Loads tus-js-client once; resolves to "tus-js-client", or "fallback" when it is not there (or not supported). */
export function loadClient(tusUrl) {
    loading ??= new Promise(resolve => {
        const done = () => resolve(window.tus?.isSupported ? 'tus-js-client' : 'fallback');
        if (window.tus) {
            done();
            return;
        }
        const script = document.createElement('script');
        script.src = tusUrl;
        script.onload = done;
        script.onerror = () => resolve('fallback');
        document.head.appendChild(script);
    });
    return loading;
}

/** Wires the zone's drop events and its file input; returns a handle with dispose(). */
export function attach(zone, input, dotnet, options) {
    let busy = false;
    const start = async file => {
        if (busy) {
            return;
        }
        const dot = file.name.lastIndexOf('.');
        const extension = dot < 0 ? '' : file.name.substring(dot).toLowerCase();
        if (!ALLOWED.includes(extension)) {
            await dotnet.invokeMethodAsync('OnRejected', file.name);
            return;
        }
        busy = true;
        try {
            await dotnet.invokeMethodAsync('OnStarted', file.name, file.size);
            const path = await upload(file, dotnet, options);
            await dotnet.invokeMethodAsync('OnUploaded', path.substring(path.lastIndexOf('/') + 1), file.name);
        } catch (error) {
            await dotnet.invokeMethodAsync('OnFailed', file.name, String(error?.message ?? error));
        } finally {
            busy = false;
        }
    };
    const over = e => { e.preventDefault(); zone.classList.add('pst-drop-over'); };
    const leave = () => zone.classList.remove('pst-drop-over');
    const drop = e => {
        e.preventDefault();
        leave();
        const file = e.dataTransfer?.files?.[0];
        if (file) {
            start(file);
        }
    };
    const change = () => {
        const file = input.files?.[0];
        // Cleared so that choosing the same file again (to resume after a reload) fires "change" again.
        input.value = '';
        if (file) {
            start(file);
        }
    };
    zone.addEventListener('dragenter', over);
    zone.addEventListener('dragover', over);
    zone.addEventListener('dragleave', leave);
    zone.addEventListener('drop', drop);
    input.addEventListener('change', change);
    return {
        dispose() {
            zone.removeEventListener('dragenter', over);
            zone.removeEventListener('dragover', over);
            zone.removeEventListener('dragleave', leave);
            zone.removeEventListener('drop', drop);
            input.removeEventListener('change', change);
        },
    };
}

function reporter(dotnet, total) {
    const started = performance.now();
    let first = null;
    let last = 0;
    return (sent, force) => {
        first ??= sent;
        const now = performance.now();
        if (!force && now - last < 250) {
            return; // a few updates a second are enough for people, and spare the circuit
        }
        last = now;
        const seconds = (now - started) / 1000;
        const speed = seconds > 0 ? (sent - first) / seconds : 0;
        const eta = speed > 0 ? (total - sent) / speed : 0;
        dotnet.invokeMethodAsync('OnProgress', sent, total, speed, eta);
    };
}

async function upload(file, dotnet, options) {
    const metadata = { filename: file.name, filetype: file.type || 'application/octet-stream', ...options.metadata };
    const progress = reporter(dotnet, file.size);
    const onResuming = offset => dotnet.invokeMethodAsync('OnResuming', offset, file.size);
    if ((await loadClient(options.tusUrl)) === 'fallback') {
        return uploadFile(file, { endpoint: options.endpoint, chunkSize: options.chunkSize, metadata, onResuming, onProgress: progress });
    }
    return new Promise((resolve, reject) => {
        const tusUpload = new window.tus.Upload(file, {
            endpoint: options.endpoint,
            chunkSize: options.chunkSize,
            retryDelays: [0, 1000, 3000, 5000],
            metadata,
            storeFingerprintForResuming: true,
            removeFingerprintOnSuccess: true,
            onAfterResponse(request, response) {
                // The HEAD of a resumed upload tells where the server stands.
                const offset = Number(response.getHeader('Upload-Offset'));
                if (request.getMethod() === 'HEAD' && response.getStatus() === 200 && offset > 0) {
                    onResuming(offset);
                }
            },
            onProgress: sent => progress(sent, false),
            onSuccess: () => { progress(file.size, true); resolve(new URL(tusUpload.url, window.location.href).pathname); },
            onError: error => reject(new Error(describe(error))),
        });
        tusUpload.findPreviousUploads().then(previous => {
            if (previous.length > 0) {
                tusUpload.resumeFromPreviousUpload(previous[0]);
            }
            tusUpload.start();
        }, reject);
    });
}

function describe(error) {
    const response = error?.originalResponse;
    if (response) {
        try {
            const body = JSON.parse(response.getBody());
            return body.detail || body.title || `HTTP ${response.getStatus()}`;
        } catch {
            return `the server answered HTTP ${response.getStatus()}`;
        }
    }
    return error?.message ?? String(error);
}
