// The browser half of scripts/browser-tus.sh: a page on one origin
// (served here) uploads a recording to griot on another origin with
// tus-js-client in headless Chromium, is aborted part way, is reloaded,
// finds its upload again in localStorage and finishes it; then the API
// must show that material with the right size and SHA-256 and serve the
// exact bytes. Prints one line per check, exits 1 if one fails.
//
// Environment (set by scripts/browser-tus.sh): GRIOT_URL, PAGE_PORT,
// TRAINER_TOKEN, LEARNER_TOKEN, SESSION_ID, DEPS (a folder with the
// node_modules of package.json), PROFILE (an empty Chromium profile folder),
// CHROMIUM (the browser to run).
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import { join } from 'node:path';

const env = (name) => {
    const v = process.env[name];
    if (!v) throw new Error(`${name} is not set`);
    return v;
};
const api = env('GRIOT_URL');
const pagePort = Number(env('PAGE_PORT'));
const trainer = env('TRAINER_TOKEN');
const learner = env('LEARNER_TOKEN');
const session = env('SESSION_ID');
const deps = env('DEPS');
const origin = `http://127.0.0.1:${pagePort}`;

const KiB = 1024;
const MiB = 1024 * KiB;
const SIZE = 4 * MiB + 4321; // not a whole number of chunks
const CHUNK = 256 * KiB;
const ABORT_AT = 3 * MiB / 2 + 100 * KiB; // bytes sent when the page aborts
const UPLINK = 2 * MiB; // bytes/s before the abort
const SEED = 0x9e3779b9;

// The file's bytes, made the same way in the page and here: an MP4 `ftyp`
// box (griot sniffs a recording from its first bytes), then xorshift32.
function recordingBytes(size, seed) {
    const out = new Uint8Array(size);
    const ftyp = [0, 0, 0, 0x18, 0x66, 0x74, 0x79, 0x70, 0x6d, 0x70, 0x34, 0x32,
        0, 0, 0, 0, 0x6d, 0x70, 0x34, 0x32, 0x69, 0x73, 0x6f, 0x6d];
    out.set(ftyp);
    let x = seed >>> 0;
    for (let i = ftyp.length; i < size; i += 4) {
        x ^= x << 13; x >>>= 0;
        x ^= x >>> 17;
        x ^= x << 5; x >>>= 0;
        out[i] = x & 0xff;
        if (i + 1 < size) out[i + 1] = (x >>> 8) & 0xff;
        if (i + 2 < size) out[i + 2] = (x >>> 16) & 0xff;
        if (i + 3 < size) out[i + 3] = x >>> 24;
    }
    return out;
}

// The page's script. Each phase returns what Node checks; nothing in it
// knows about Node, as in a real app.
const appJs = `${recordingBytes.toString()}
function recording() {
    return new File([recordingBytes(${SIZE}, ${SEED})], 'lecture.mp4',
        { type: 'video/mp4', lastModified: 1765000000000 });
}
function options(a, log) {
    return {
        endpoint: a.api + '/api/v1/uploads',
        chunkSize: ${CHUNK},
        retryDelays: [],
        headers: { Authorization: 'Bearer ' + a.token },
        metadata: { session_id: a.session, title: 'Lecture, from a browser',
                    kind: 'recording', filename: 'lecture.mp4' },
        onBeforeRequest(req) {
            log.push(req.getMethod() + ' ' + (req.getHeader('Upload-Offset') ?? '-'));
        },
        onAfterResponse(req, res) {
            log.push('  ' + res.getStatus() + ' offset ' + (res.getHeader('Upload-Offset') ?? '-')
                + (res.getHeader('Material-Id') ? ' material ' + res.getHeader('Material-Id') : ''));
            if (res.getHeader('Material-Id')) log.material = res.getHeader('Material-Id');
            if (res.getHeader('Location')) log.location = res.getHeader('Location');
        },
    };
}
window.startAndAbort = (a) => new Promise((resolve) => {
    const log = [];
    let upload;
    let aborting = false;
    const done = (why, sent) => resolve({ why, sent, url: upload.url, log, material: log.material ?? null });
    upload = new tus.Upload(recording(), {
        ...options(a, log),
        onProgress(sent) {
            if (sent >= ${ABORT_AT} && !aborting) {
                aborting = true;
                upload.abort().then(() => done('aborted at ' + sent + ' bytes sent', sent));
            }
        },
        onSuccess() { if (!aborting) done('finished before the abort'); },
        onError(e) { if (!aborting) done('error: ' + e); },
    });
    upload.start();
});
window.resume = (a) => new Promise(async (resolve) => {
    const log = [];
    const upload = new tus.Upload(recording(), {
        ...options(a, log),
        onSuccess() { resolve({ ok: true, url: upload.url, previous, log, material: log.material ?? null }); },
        onError(e) { resolve({ ok: false, why: String(e), url: upload.url, previous, log }); },
    });
    const found = await upload.findPreviousUploads();
    const previous = found.map((p) => p.uploadUrl);
    if (found.length) upload.resumeFromPreviousUpload(found[0]);
    upload.start();
});
// A browser app then plays the recording: a cross-origin GET with the
// token, its bytes hashed in the page.
window.download = async (a) => {
    const res = await fetch(a.api + '/api/v1/materials/' + a.material + '/content',
        { headers: { Authorization: 'Bearer ' + a.token } });
    const body = await res.arrayBuffer();
    const digest = await crypto.subtle.digest('SHA-256', body);
    return {
        status: res.status,
        size: body.byteLength,
        sha256: [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join(''),
        disposition: res.headers.get('Content-Disposition'),
    };
};
`;

const html = `<!doctype html><meta charset="utf-8"><title>griot tus check</title>
<script src="/tus.min.js"></script><script src="/app.js"></script>
<p>tus-js-client in a page on ${origin}, uploading to ${api}</p>`;
const tusJs = readFileSync(join(deps, 'node_modules/tus-js-client/dist/tus.min.js'));
const files = {
    '/': ['text/html; charset=utf-8', html],
    '/app.js': ['text/javascript; charset=utf-8', appJs],
    '/tus.min.js': ['text/javascript; charset=utf-8', tusJs],
};
const server = createServer((req, res) => {
    if (req.url === '/favicon.ico') return res.writeHead(204).end();
    const file = files[new URL(req.url, origin).pathname];
    res.writeHead(file ? 200 : 404, { 'Content-Type': file ? file[0] : 'text/plain' });
    res.end(file ? file[1] : 'not found');
});
await new Promise((ok, fail) => server.once('error', fail).listen(pagePort, '127.0.0.1', ok));

const failures = [];
const expect = (what, ok) => {
    console.log(`${ok ? 'ok    ' : 'FAILED'} ${what}`);
    if (!ok) failures.push(what);
};
const call = async (method, path, token, headers = {}) => {
    const res = await fetch(new URL(path, api), {
        method, headers: { Authorization: `Bearer ${token}`, ...headers },
    });
    return { status: res.status, headers: res.headers, body: Buffer.from(await res.arrayBuffer()) };
};

// On failure: the preflights a browser sends for tus, and what griot
// answers, to tell a CORS fault from another.
async function preflights() {
    console.log(`--- CORS preflights from Origin ${origin} ---`);
    for (const [method, path] of [['POST', '/api/v1/uploads'], ['PATCH', '/api/v1/uploads/x'],
        ['HEAD', '/api/v1/uploads/x']]) {
        try {
            const res = await fetch(new URL(path, api), {
                method: 'OPTIONS',
                headers: {
                    Origin: origin, 'Access-Control-Request-Method': method,
                    'Access-Control-Request-Headers': 'authorization,content-type,tus-resumable,'
                        + 'upload-length,upload-metadata,upload-offset',
                },
            });
            const cors = [...res.headers].filter(([k]) => k.startsWith('access-control-'))
                .map(([k, v]) => `${k}: ${v}`);
            console.log(`OPTIONS ${path} for ${method}: ${res.status} ${cors.join(' | ') || '(no access-control-* header)'}`);
        } catch (e) {
            console.log(`OPTIONS ${path} for ${method}: ${e}`);
        }
    }
}

const require = createRequire(join(deps, 'package.json'));
const { chromium } = require('playwright-core');
const context = await chromium.launchPersistentContext(env('PROFILE'), {
    executablePath: env('CHROMIUM'),
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
        '--disable-quic', '--no-first-run', '--disable-component-update', '--disable-sync'],
});
let exitCode = 1;
const browserLog = [];
try {
    const page = context.pages()[0] ?? await context.newPage();
    page.on('console', (m) => browserLog.push(`console.${m.type()}: ${m.text()}`));
    page.on('pageerror', (e) => browserLog.push(`page error: ${e.message}`));
    page.on('requestfailed', (r) => browserLog.push(
        `request failed: ${r.method()} ${r.url()}: ${r.failure()?.errorText}`));
    const args = { api, token: trainer, session };
    const showLog = (log) => console.log(log.map((l) => `        ${l}`).join('\n'));

    await page.goto(origin + '/');
    const supported = await page.evaluate(() => typeof tus !== 'undefined' && tus.isSupported);
    expect(`the page on ${origin} loads tus-js-client (isSupported: ${supported})`, supported === true);

    // 1. Start on a slow uplink (Chromium's own throttling, as in DevTools)
    // so that the abort cuts a PATCH half sent, then abort part way.
    const cdp = await context.newCDPSession(page);
    await cdp.send('Network.enable');
    await cdp.send('Network.emulateNetworkConditions', {
        offline: false, latency: 20, downloadThroughput: -1, uploadThroughput: UPLINK,
    });
    const first = await page.evaluate((a) => window.startAndAbort(a), args);
    await cdp.send('Network.emulateNetworkConditions', {
        offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: -1,
    });
    showLog(first.log);
    const where = first.url ? new URL(first.url).pathname : '';
    expect(`the upload is created at ${first.url} (Location read across origins) and ${first.why}`,
        where.startsWith('/api/v1/uploads/') && first.why.startsWith('aborted') && !first.material);
    if (!where) throw new Error('the page could not create the upload');
    // The abort cut a PATCH: give the server a moment to store what it kept.
    await new Promise((ok) => setTimeout(ok, 300));
    const head = await call('HEAD', where, trainer, { 'Tus-Resumable': '1.0.0' });
    const kept = Number(head.headers.get('upload-offset'));
    // The PATCH in flight when the page aborted started here.
    const cutAt = Number(first.log.filter((l) => l.startsWith('PATCH ')).at(-1)?.split(' ')[1]);
    // The page's last progress event lags the bytes Chromium had sent, so
    // the server may hold more than `sent`, never more than that PATCH.
    const cutEnd = Math.min(cutAt + CHUNK, SIZE);
    expect(`HEAD after the abort: ${head.status}, Upload-Offset ${kept} of ${SIZE} (the server kept `
        + `${kept - cutAt} of the ${cutEnd - cutAt} bytes of the PATCH from ${cutAt}, the page had seen `
        + `${first.sent - cutAt} sent), no Material-Id`,
        head.status === 200 && kept >= cutAt && kept <= cutEnd && kept < SIZE && !head.headers.get('material-id'));

    // 2. The tab is reloaded (the app starts again): tus-js-client finds the
    // upload in localStorage, asks the server where it stands, finishes it.
    await page.reload();
    const second = await page.evaluate((a) => window.resume(a), args);
    showLog(second.log);
    expect(`after a reload, findPreviousUploads gives the same upload (${second.previous.join(', ') || 'none'})`,
        second.previous.length === 1 && second.previous[0] === first.url && second.url === first.url);
    const resumedAt = second.log.find((l) => l.startsWith('PATCH '));
    expect(`it resumes with HEAD, then a PATCH from the server's offset (${resumedAt})`,
        second.log[0] === 'HEAD -' && resumedAt !== undefined && Number(resumedAt.split(' ')[1]) >= kept);
    expect(`it finishes: ${second.ok ? 'onSuccess' : second.why}, Material-Id read in the page: ${second.material}`,
        second.ok && !!second.material);
    if (!second.material) throw new Error('no material to check');
    const material = second.material;

    // 3. What the API says of it.
    const digest = createHash('sha256').update(recordingBytes(SIZE, SEED)).digest('hex');
    const list = await call('GET', `/api/v1/sessions/${session}/materials`, learner);
    const items = list.status === 200 ? JSON.parse(list.body).items : [];
    const m = items.find((i) => i.id === material) ?? {};
    expect(`a learner lists it: ${list.status}, ${m.kind}, ${m.content_type}, ${m.size_bytes} bytes, sha256 ${String(m.sha256).slice(0, 12)}…`,
        m.kind === 'recording' && m.size_bytes === SIZE && m.sha256 === digest);
    const content = await call('GET', `/api/v1/materials/${material}/content`, learner);
    expect(`its content is the bytes the page made: ${content.status}, ${content.body.length} bytes`,
        content.status === 200 && Buffer.compare(content.body, Buffer.from(recordingBytes(SIZE, SEED))) === 0);
    const got = await page.evaluate((a) => window.download(a), { ...args, material });
    expect(`the page downloads it across origins: ${got.status}, ${got.size} bytes, sha256 matches: ${got.sha256 === digest}, Content-Disposition ${got.disposition}`,
        got.status === 200 && got.size === SIZE && got.sha256 === digest && !!got.disposition);

    exitCode = failures.length ? 1 : 0;
} catch (e) {
    console.log(`FAILED ${e.stack ?? e}`);
} finally {
    if (exitCode !== 0 && browserLog.length) {
        console.log('--- browser log ---\n' + browserLog.join('\n'));
    }
    if (exitCode !== 0) await preflights();
    await context.close();
    server.close();
}
console.log('browser-tus: ' + (exitCode === 0 ? 'all checks passed' : `${failures.length || 1} check(s) FAILED`));
process.exit(exitCode);
