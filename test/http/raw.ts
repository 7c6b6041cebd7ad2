// A raw HTTP/1.1 exchange over a socket, so tests can send what fetch refuses to (malformed request
// lines and percent-encoding, huge heads, bodies larger than announced). Resolves with the status code
// of the first response (0 if the server closed without one).

import { connect } from 'node:net';

export function rawStatus(port: number, head: string, body = ''): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let got = '';
    socket.on('data', (d: Buffer) => {
      got += d.toString('latin1');
      const m = /^HTTP\/1\.1 (\d{3})/.exec(got);
      if (m !== null) {
        socket.destroy();
        resolve(Number(m[1]));
      }
    });
    socket.on('error', (e: NodeJS.ErrnoException) => (e.code === 'ECONNRESET' || e.code === 'EPIPE' ? resolve(0) : reject(e)));
    socket.on('close', () => resolve(0));
    socket.write(head + body);
  });
}

/** A GET-like request head with the given method, path and extra header lines. */
export function head(method: string, path: string, extra: readonly string[] = []): string {
  return [`${method} ${path} HTTP/1.1`, 'host: 127.0.0.1', 'connection: close', ...extra, '', ''].join('\r\n');
}

/** A route's example with its placeholder filled in: '/kv/<key>' → '/kv/k'. */
export function concrete(example: string): string {
  return example.replace(/<id>/g, 'ab'.repeat(32)).replace(/<[a-z]+>/g, 'k');
}

const ALL_METHODS = ['GET', 'HEAD', 'PUT', 'POST', 'DELETE', 'PATCH', 'OPTIONS'];

/** Hostile requests for one route: [what, request text]. */
export function hostileRequests(route: { readonly path: string; readonly methods: readonly string[]; readonly example: string }): [string, string][] {
  const arg = route.path.endsWith('/') ? route.path : `${route.path}/`;
  const example = concrete(route.example);
  return [
    ['malformed percent-encoding', head('GET', `${arg}%E0%A4%A`)],
    ['lone percent', head('GET', `${example}%`)],
    ['absolute-form URL', head('GET', `http://[::1${example}`)],
    ['path with NUL escape', head('GET', `${arg}%00%ff%fe`)],
    ['huge header', head('GET', example, [`x-pad: ${'a'.repeat(64 * 1024)}`])],
    ['many headers', head('GET', example, Array.from({ length: 3000 }, (_, i) => `x-h${i}: v`))],
    ['unknown method token', head('FROB', example)],
    ['bad request line', `GET ${example} HTTP/9\r\n\r\n`],
    ['garbage', '\x00\x01\x02 not http at all\r\n\r\n'],
    ['huge announced body', head('PUT', example, ['content-length: 1000000000']) + 'x'.repeat(1000)],
    ['body larger than announced', head('PUT', example, ['content-length: 2']) + '{"value":"x"}'],
    ['bad chunked body', head('PUT', example, ['transfer-encoding: chunked']) + 'zz\r\nxx\r\n'],
    ...ALL_METHODS.filter((m) => !route.methods.includes(m)).map((m): [string, string] => [`method ${m}`, head(m, example, ['content-length: 0'])]),
  ];
}
